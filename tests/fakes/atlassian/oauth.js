'use strict';
// OAuth 2.0 client credentials for DevOps tools (jira-auth-paths.md §1, §4.4 B):
// the token endpoint of a fake api.atlassian.com and the Bearer front door of
// its API gateway (/api/jira/{builds|deployments}/0.1/cloud/{cloudId}/...).
const crypto = require('node:crypto');
const { json } = require('../lib/respond');
const { readBody } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { shortHash } = require('../lib/request-log');
const { addDevopsRoutes } = require('./devops-api');

const PERMISSIONS = ['builds', 'deployments'];
const SCOPE = 'manage:jira-data-provider';

class OAuthRegistry {
  constructor() { this.reset(); }

  reset() {
    this.credentials = new Map(); // clientId -> credential
    this.tokens = new Map(); // access token -> {clientId, cloudId, expiresAt, revoked}
    this.tokenRequests = 0;
  }

  create(site, spec = {}) {
    const perms = spec.permissions === undefined ? PERMISSIONS : spec.permissions;
    checkPermissions(perms);
    const cred = {
      clientId: crypto.randomBytes(16).toString('hex'),
      clientSecret: crypto.randomBytes(32).toString('base64url'),
      site: site.name,
      cloudId: site.cloudId,
      permissions: new Set(perms),
      expiresIn: spec.expiresIn === undefined ? 3600 : positiveInt(spec.expiresIn, 'expiresIn'),
      tokenRequests: 0,
      tokensIssued: 0,
    };
    this.credentials.set(cred.clientId, cred);
    return cred;
  }

  get(clientId) {
    const cred = this.credentials.get(clientId);
    if (!cred) throw new HttpError(404, { error: `no OAuth credential ${clientId}` });
    return cred;
  }

  revokeTokens(clientId) {
    let n = 0;
    for (const t of this.tokens.values()) if (t.clientId === clientId && !t.revoked) { t.revoked = true; n++; }
    return n;
  }

  remove(clientId) {
    this.get(clientId);
    this.revokeTokens(clientId);
    this.credentials.delete(clientId);
  }
}

function checkPermissions(perms) {
  if (!Array.isArray(perms) || perms.some((p) => !PERMISSIONS.includes(p))) {
    throw new HttpError(400, { error: `permissions must be a subset of ${JSON.stringify(PERMISSIONS)}` });
  }
}

function positiveInt(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, { error: `${name} must be a positive integer` });
  return n;
}

function publicCredential(c) {
  return {
    clientId: c.clientId, clientSecret: c.clientSecret, site: c.site, cloudId: c.cloudId,
    permissions: [...c.permissions], expiresIn: c.expiresIn, tokenRequests: c.tokenRequests, tokensIssued: c.tokensIssued,
  };
}

const oauthError = (status, error, description) => json(status, { error, error_description: description });

// Accepts JSON (with or without "audience") and form encoding.
async function parseTokenRequest(req) {
  const raw = (await readBody(req, 64 * 1024)).toString('utf8');
  const ct = String(req.headers['content-type'] || '').toLowerCase();
  if (ct.startsWith('application/json')) {
    try {
      const v = JSON.parse(raw);
      return v && typeof v === 'object' ? v : null;
    } catch { return null; }
  }
  if (ct.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return null;
}

function addOAuthRoutes(router, state) {
  const reg = state.oauth;

  router.add('POST', '/oauth/token', async (ctx) => {
    reg.tokenRequests += 1;
    const body = await parseTokenRequest(ctx.req);
    if (!body) return oauthError(400, 'invalid_request', 'body must be JSON or application/x-www-form-urlencoded');
    const cred = reg.credentials.get(body.client_id);
    if (cred) cred.tokenRequests += 1;
    ctx.entry.auth = { scheme: 'client_credentials', result: 'rejected', reason: null, tokenHash: null };
    if (body.grant_type !== 'client_credentials') {
      ctx.entry.auth.reason = 'unsupported grant_type';
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    if (body.audience !== undefined && body.audience !== 'api.atlassian.com') {
      ctx.entry.auth.reason = 'unknown audience';
      return oauthError(400, 'invalid_request', 'audience must be api.atlassian.com');
    }
    if (!cred || typeof body.client_secret !== 'string' || body.client_secret !== cred.clientSecret) {
      ctx.entry.auth.reason = 'bad client credentials';
      return oauthError(401, 'access_denied', 'Unauthorized');
    }
    const token = crypto.randomBytes(32).toString('base64url');
    reg.tokens.set(token, { clientId: cred.clientId, cloudId: cred.cloudId, expiresAt: Date.now() + cred.expiresIn * 1000, revoked: false });
    cred.tokensIssued += 1;
    ctx.entry.auth = { scheme: 'client_credentials', result: 'ok', reason: null, tokenHash: shortHash(token) };
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: cred.expiresIn, scope: SCOPE });
  });

  const unauthorized = () => new HttpError(401, { code: 401, message: 'Unauthorized' });
  const forbidden = () => new HttpError(403, { code: 403, message: 'Forbidden' });

  const authorize = (ctx, kind) => {
    const header = String(ctx.req.headers.authorization || '');
    const m = /^Bearer (\S+)$/.exec(header);
    const auth = { scheme: 'Bearer', result: 'rejected', reason: null, tokenHash: m ? shortHash(m[1]) : null };
    ctx.entry.auth = auth;
    const fail = (reason, err) => { auth.reason = reason; throw err; };
    if (!m) fail('missing Bearer token', unauthorized());
    const t = reg.tokens.get(m[1]);
    if (!t) fail('unknown token', unauthorized());
    if (t.revoked) fail('token revoked', unauthorized());
    if (Date.now() >= t.expiresAt) fail('token expired', unauthorized());
    const cred = reg.credentials.get(t.clientId);
    if (!cred) fail('credential deleted', unauthorized());
    if (ctx.params.cloudId !== t.cloudId) fail('token is for another cloudId', forbidden());
    if (!cred.permissions.has(kind)) fail(`credential lacks the ${kind} permission`, forbidden());
    const site = state.siteByCloudId(t.cloudId);
    if (!site) fail('site deleted', forbidden());
    auth.result = 'ok';
    return { site, provider: `oauth:${cred.clientId}` };
  };

  addDevopsRoutes(router, (kind) => `/api/jira/${kind}/0.1/cloud/:cloudId`, authorize, state.settings);
}

function addOAuthControlRoutes(router, state) {
  const reg = state.oauth;
  const readSpec = async (ctx) => {
    const raw = (await readBody(ctx.req, 64 * 1024)).toString('utf8');
    if (!raw) return {};
    try { return JSON.parse(raw); } catch { throw new HttpError(400, { error: 'malformed JSON' }); }
  };

  router.add('POST', '/_control/sites/:site/oauth-credentials', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    return json(201, publicCredential(reg.create(site, await readSpec(ctx))));
  });
  router.add('GET', '/_control/oauth-credentials', async () => json(200, [...reg.credentials.values()].map(publicCredential)));
  router.add('GET', '/_control/oauth-credentials/:clientId', async (ctx) => json(200, publicCredential(reg.get(ctx.params.clientId))));
  router.add('DELETE', '/_control/oauth-credentials/:clientId', async (ctx) => { reg.remove(ctx.params.clientId); return json(200, { deleted: true }); });
  router.add('POST', '/_control/oauth-credentials/:clientId/revoke-tokens', async (ctx) => {
    reg.get(ctx.params.clientId);
    return json(200, { revoked: reg.revokeTokens(ctx.params.clientId) });
  });
  router.add('POST', '/_control/oauth-credentials/:clientId/permissions', async (ctx) => {
    const cred = reg.get(ctx.params.clientId);
    const spec = await readSpec(ctx);
    checkPermissions(spec.permissions);
    cred.permissions = new Set(spec.permissions);
    return json(200, publicCredential(cred));
  });
  router.add('POST', '/_control/oauth-credentials/:clientId/expires-in', async (ctx) => {
    const cred = reg.get(ctx.params.clientId);
    cred.expiresIn = positiveInt((await readSpec(ctx)).expiresIn, 'expiresIn');
    return json(200, publicCredential(cred));
  });
  router.add('GET', '/_control/oauth/stats', async () => {
    const byClient = {};
    for (const c of reg.credentials.values()) byClient[c.clientId] = { tokenRequests: c.tokenRequests, tokensIssued: c.tokensIssued };
    return json(200, { tokenRequests: reg.tokenRequests, byClient });
  });
}

module.exports = { OAuthRegistry, addOAuthRoutes, addOAuthControlRoutes };
