'use strict';
// Compact JWS signing for the Forge fake. Written with Node's crypto instead of
// atlassian-jwt because the negative FIT variants need full control over the
// JOSE header (kid, alg "none", HS256 keyed with a public key PEM).
const crypto = require('node:crypto');

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// key: {rsaPrivateKey: KeyObject|PEM} for RS256, {hmacSecret: string|Buffer}
// for HS256, or {} for alg "none" (empty signature, trailing dot kept).
function signJwt(header, claims, key = {}) {
  const input = `${b64url(header)}.${b64url(claims)}`;
  let sig = '';
  if (header.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key.rsaPrivateKey).toString('base64url');
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', key.hmacSecret).update(input).digest('base64url');
  else if (header.alg !== 'none') throw new Error(`signJwt: unsupported alg ${header.alg}`);
  return `${input}.${sig}`;
}

// Reads header and claims without verifying (for tests and the control API).
function decodeJwt(token) {
  const [h, c] = String(token).split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(c, 'base64url')) };
}

module.exports = { signJwt, decodeJwt, b64url };
