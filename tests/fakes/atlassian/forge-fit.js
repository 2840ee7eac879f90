'use strict';
// Forge Invocation Tokens (jira-auth-paths.md §2.3), RS256 with the current
// forge/invocation-token key, plus the negative variants the service's attack
// tests need. Every variant changes one thing and keeps the rest valid, so a
// test that accepts it has found exactly one missing check.
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');
const { signJwt } = require('./forge-jose');
const { APP_ARI } = require('./forge-registry');
const { uiModuleContext } = require('./forge-ui-context');

const VARIANTS = ['expired', 'future-nbf', 'wrong-aud', 'wrong-iss', 'alg-none', 'hs256-public-key', 'unknown-kid',
  'wrong-key', 'bad-ic-label', 'oversized', 'other-installation'];

// kind "endpoint" (triggers, scheduled, preUninstall): module {type: core:endpoint,
// key: endpoint key}, no context, no principal. kind "ui": module = the UI module,
// context {cloudId, moduleKey, siteUrl, localId, extension}, principal = accountId.
function fitClaims(forge, inst, { kind = 'endpoint', moduleKey, endpointKey, accountId = null, ttlSeconds, issueKey } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const ttl = ttlSeconds === undefined ? forge.settings.fitTtlSeconds : Number(ttlSeconds);
  const apiBaseUrl = `${forge.origin()}/ex/jira/${inst.cloudId}`;
  const claims = {
    app: {
      id: inst.app.appId,
      appVersion: inst.appVersion,
      installationId: inst.id,
      installation: { id: inst.id, contexts: [{ name: 'jira', apiBaseUrl, cloudId: inst.cloudId }] },
      apiBaseUrl,
      environment: { ...inst.app.environment },
      module: { type: 'core:endpoint', key: endpointKey || null },
    },
    aud: inst.app.appId,
    iss: 'forge/invocation-token',
    iat: now, nbf: now, exp: now + ttl,
    jti: crypto.randomBytes(20).toString('hex'),
  };
  if (inst.app.license) claims.app.license = inst.app.license;
  if (kind === 'ui') {
    const { type, key, context } = uiModuleContext(forge, inst, { moduleKey, issueKey });
    claims.app.module = { type, key };
    claims.context = context;
    if (accountId) claims.principal = accountId;
  }
  return claims;
}

// Sets "a.b.c" paths; null deletes.
function applyOverrides(target, overrides) {
  for (const [path, value] of Object.entries(overrides || {})) {
    const parts = path.split('.');
    let obj = target;
    for (const p of parts.slice(0, -1)) {
      if (!obj[p] || typeof obj[p] !== 'object') obj[p] = {};
      obj = obj[p];
    }
    const last = parts[parts.length - 1];
    if (value === null) delete obj[last]; else obj[last] = value;
  }
}

// opts: {kind, moduleKey, endpointKey, accountId, ttlSeconds, variant, kid, claims, header,
//        icLabel, oversizeBytes, otherInstallationId}
function mintFit(forge, inst, opts = {}) {
  const variant = opts.variant || null;
  if (variant && !VARIANTS.includes(variant)) throw new HttpError(400, { error: `unknown variant ${variant}; one of ${VARIANTS.join(', ')}` });
  let subject = inst;
  if (variant === 'other-installation') {
    subject = opts.otherInstallationId ? forge.registry.installation(opts.otherInstallationId) : forge.registry.otherInstallation(inst);
    if (!subject || subject === inst) throw new HttpError(409, { error: 'no other installation of this app: install it on another site or pass otherInstallationId' });
  }
  const claims = fitClaims(forge, subject, opts);
  const now = Math.floor(Date.now() / 1000);
  const keys = forge.keys;
  let signer = opts.kid ? { kid: opts.kid, ...keys.keys.get(opts.kid) } : keys.signer('invocation');
  if (!signer.privateKey) throw new HttpError(400, { error: `unknown kid ${opts.kid}` });
  const header = { alg: 'RS256', kid: signer.kid, typ: 'JWT' };
  let key = { rsaPrivateKey: signer.privateKey };

  switch (variant) {
    case 'expired': claims.iat = now - 325; claims.nbf = claims.iat; claims.exp = now - 300; break;
    case 'future-nbf': claims.nbf = now + 300; claims.exp = now + 325; break;
    case 'wrong-aud': claims.aud = `${APP_ARI}${crypto.randomUUID()}`; break;
    case 'wrong-iss': // a genuine-looking Forge *context* token: published key, other issuer
      signer = keys.signer('context');
      claims.iss = 'forge/context-token';
      header.kid = signer.kid;
      key = { rsaPrivateKey: signer.privateKey };
      break;
    case 'alg-none': header.alg = 'none'; key = {}; break;
    case 'hs256-public-key': header.alg = 'HS256'; key = { hmacSecret: signer.publicPem }; break;
    case 'unknown-kid': header.kid = `forge/invocation-token/${crypto.randomUUID()}`; key = { rsaPrivateKey: keys.rogue.privateKey }; break;
    case 'wrong-key': key = { rsaPrivateKey: keys.rogue.privateKey }; break;
    case 'bad-ic-label': claims.icLabel = opts.icLabel === undefined ? '../x' : opts.icLabel; break;
    case 'oversized': claims.padding = 'x'.repeat(Number(opts.oversizeBytes) || 16384); break;
    default: break;
  }
  applyOverrides(claims, opts.claims);
  applyOverrides(header, opts.header);
  let token;
  try { token = signJwt(header, claims, key); } catch (err) { throw new HttpError(400, { error: `cannot sign: ${err.message}` }); }
  return { token, header, claims, variant, installationId: subject.id };
}

// The contextToken of a preUninstall call. Its shape is not documented; the
// fake makes it a Forge context token (RS256, kid forge/context-token/<uuid>,
// published in the same JWKS) so a service that mistakes it for a FIT fails
// on iss, which is the check the wrong-iss variant exercises.
function mintContextToken(forge, inst, moduleKey) {
  const now = Math.floor(Date.now() / 1000);
  const signer = forge.keys.signer('context');
  const claims = {
    iss: 'forge/context-token', aud: inst.app.appId, iat: now, nbf: now, exp: now + 60, jti: crypto.randomBytes(20).toString('hex'),
    app: { id: inst.app.appId, installationId: inst.id }, context: { cloudId: inst.cloudId, moduleKey },
  };
  return signJwt({ alg: 'RS256', kid: signer.kid, typ: 'JWT' }, claims, { rsaPrivateKey: signer.privateKey });
}

module.exports = { mintFit, mintContextToken, fitClaims, VARIANTS };
