'use strict';
// Mints the HS256 tokens Jira would put on requests to the app, so tests of the
// app's inbound JWT checks need no real Jira: context tokens (qsh "context-qsh")
// and request tokens (qsh computed over the target URL relative to the app's
// descriptor baseUrl, as on iframe URLs). Overrides exist for negative tests.
const jwt = require('atlassian-jwt');
const { HttpError } = require('../lib/http-error');

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

function mintToken(state, site, body) {
  if (!body || (body.kind !== 'context' && body.kind !== 'request')) {
    throw new HttpError(400, { error: 'kind must be "context" or "request"' });
  }
  const inst = site.installation;
  const secret = body.secret || (inst && inst.sharedSecret);
  if (!secret) throw new HttpError(409, { error: 'site has no shared secret (install the app or pass "secret")' });
  const now = Math.floor(Date.now() / 1000);
  const iat = body.iat === undefined ? now : body.iat;
  const claims = { iss: body.iss || site.clientKey, iat };
  if (body.exp !== null) claims.exp = body.exp === undefined ? iat + 180 : body.exp;
  if (body.accountId) claims.sub = body.accountId;
  if (body.kind === 'context') {
    claims.qsh = body.qsh === undefined ? 'context-qsh' : body.qsh;
  } else {
    if (typeof body.url !== 'string' || typeof body.method !== 'string') throw new HttpError(400, { error: 'request tokens need "method" and "url"' });
    const base = body.baseUrl || (inst && inst.descriptorBaseUrl);
    if (!base) throw new HttpError(409, { error: 'no descriptor baseUrl known: pass "baseUrl"' });
    claims.qsh = body.qsh === undefined ? jwt.createQueryStringHash(jwt.fromMethodAndUrl(body.method, body.url), false, base) : body.qsh;
  }
  if (body.qsh === null) delete claims.qsh;
  if (body.aud !== undefined) claims.aud = body.aud;
  if (body.context !== undefined) claims.context = body.context;

  const alg = body.alg || 'HS256';
  let token;
  if (alg === 'none') token = `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.`;
  else if (alg === 'RS256') token = jwt.encodeAsymmetric(claims, state.keys.current().privatePem, 'RS256', { kid: state.keys.currentKid });
  else if (['HS256', 'HS384', 'HS512'].includes(alg)) token = jwt.encodeSymmetric(claims, secret, alg);
  else throw new HttpError(400, { error: `unsupported alg ${alg}` });
  return { token, claims, alg };
}

module.exports = { mintToken };
