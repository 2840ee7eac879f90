'use strict';
// Verifies "Authorization: JWT <token>" on app -> Jira calls the way Jira does:
// HS256 pinned, signature with the site's shared secret, iss = app key, exp
// present and not passed (atlassian-jwt does not check exp), qsh equal to the
// hash of THIS request relative to the site base URL (whose path, /sites/{name},
// plays the role of a context path), and context-qsh refused.
const jwt = require('atlassian-jwt');
const { shortHash } = require('../lib/request-log');

const SCOPE_LEVEL = { READ: 1, WRITE: 2, DELETE: 3, PROJECT_ADMIN: 4, ADMIN: 5 };
const MODULE_FOR = { builds: 'jiraBuildInfoProvider', deployments: 'jiraDeploymentInfoProvider' };

function verifyConnectJwt(req, site, settings) {
  const header = req.headers.authorization;
  if (!header) return { ok: false, reason: 'missing Authorization header' };
  const m = /^JWT (\S+)$/.exec(header);
  if (!m) return { ok: false, reason: 'Authorization is not "JWT <token>"' };
  const token = m[1];
  const tokenHash = shortHash(token);
  const fail = (reason) => ({ ok: false, reason, tokenHash });
  const inst = site.installation;
  if (!inst || !inst.sharedSecret) return fail('app is not installed on this site');
  let claims;
  try {
    claims = jwt.decodeSymmetric(token, inst.sharedSecret, 'HS256');
  } catch (err) {
    // The library's message embeds the signed input; keep the log free of it.
    const msg = String(err && err.message);
    return fail(msg.startsWith('Signature verification failed') ? 'signature verification failed' : `malformed token: ${msg.slice(0, 120)}`);
  }
  if (!claims || typeof claims !== 'object') return fail('claims are not an object');
  if (claims.iss !== inst.appKey) return fail(`iss ${JSON.stringify(claims.iss)} is not the app key`);
  if (typeof claims.exp !== 'number') return fail('exp claim missing');
  const now = Math.floor(Date.now() / 1000);
  if (now >= claims.exp + settings.leewaySeconds) return fail('token expired');
  if (typeof claims.qsh !== 'string') return fail('qsh claim missing');
  if (claims.qsh === 'context-qsh') return fail('context-qsh is not accepted on this route');
  const expected = jwt.createQueryStringHash(jwt.fromMethodAndUrl(req.method, req.url), false, site.baseUrl);
  if (claims.qsh !== expected) return fail('qsh does not match the request');
  if (!inst.enabled) return fail('app is disabled on this site');
  return { ok: true, claims, tokenHash };
}

// What the descriptor granted: the provider module for builds/deployments and
// a scope level at least the one the operation needs.
function checkGrant(inst, kind, scope) {
  const granted = Math.max(0, ...[...inst.scopes].map((s) => SCOPE_LEVEL[s] || 0));
  if (granted < SCOPE_LEVEL[scope]) return `app scopes do not include ${scope}`;
  const mod = MODULE_FOR[kind];
  if (mod && !inst.modules.has(mod)) return `app descriptor does not declare ${mod}`;
  return null;
}

module.exports = { verifyConnectJwt, checkGrant };
