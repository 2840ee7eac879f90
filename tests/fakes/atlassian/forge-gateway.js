'use strict';
// What the remote calls with the tokens Forge gave it (jira-auth-paths.md §2.4):
// the JWKS, the API gateway for the Jira site (apiBaseUrl = /ex/jira/{cloudId})
// with the Builds/Deployments routes of devops-api.js and mypermissions, and the
// Installation Details API. Data is stored per installation (provider
// "forge:<installation ARI>") in the same site store the control API reads.
const { json } = require('../lib/respond');
const { HttpError } = require('../lib/http-error');
const { shortHash } = require('../lib/request-log');
const { addDevopsRoutes } = require('./devops-api');
const { hasModule } = require('./forge-manifest');
const { projectSearchPage } = require('./jira-projects');
const { uuidOf, envUuidOf, APP_ARI, INSTALLATION_ARI } = require('./forge-registry');

const SCOPE_FOR = {
  builds: { READ: 'read:build-info:jira', WRITE: 'write:build-info:jira', DELETE: 'delete:build-info:jira' },
  deployments: { READ: 'read:deployment-info:jira', WRITE: 'write:deployment-info:jira', DELETE: 'delete:deployment-info:jira' },
};
const MYPERMISSIONS_SCOPES = ['read:permission:jira', 'read:jira-work'];
const MODULE_FOR = { builds: 'devops:buildInfoProvider', deployments: 'devops:deploymentInfoProvider' };

const PERMISSIONS = {
  ADMINISTER: {
    id: '0', name: 'Administer Jira', type: 'GLOBAL', admin: true,
    description: 'Create and administer projects, issue types, fields, workflows, and schemes for all projects.',
  },
  SYSTEM_ADMIN: { id: '44', name: 'Jira System Administrator', type: 'GLOBAL', description: 'Ability to perform all administration functions.', admin: true },
  BROWSE_PROJECTS: { id: '10', name: 'Browse Projects', type: 'PROJECT', description: 'Ability to browse projects and the issues within them.', admin: false },
};

const GATEWAY_401 = { code: 401, message: 'Unauthorized' };
const GATEWAY_403 = { code: 403, message: 'Forbidden' };
const DETAILS_401 = { type: 'AuthorizationError', code: 401, message: 'Authorization failed' };

// Checks "Authorization: Bearer <app token>" and records the outcome in the
// request log (token hash only). want: {cloudId?, installationUuid?}.
function checkToken(ctx, state, want, body401) {
  const forge = state.forge;
  const m = /^Bearer (\S+)$/i.exec(String(ctx.req.headers.authorization || ''));
  const auth = { scheme: 'Bearer', result: 'rejected', reason: null, tokenHash: m ? shortHash(m[1]) : null };
  ctx.entry.auth = auth;
  const fail = (reason) => { auth.reason = reason; throw new HttpError(401, body401); };
  if (!m) fail('missing Bearer token');
  const rec = forge.tokens.lookup(m[1]);
  if (!rec) fail('unknown token');
  if (Date.now() >= rec.expiresAt) fail('token expired');
  const inst = forge.registry.installations.get(rec.installationUuid);
  if (!inst || inst.status !== 'active') fail('installation uninstalled');
  if (want.cloudId !== undefined && rec.cloudId !== want.cloudId) fail('token is for another cloudId');
  if (want.installationUuid !== undefined && inst.uuid !== want.installationUuid) fail('token is for another installation');
  const site = state.siteByCloudId(rec.cloudId);
  if (!site) fail('site deleted');
  auth.result = 'ok';
  return { rec, inst, site, auth };
}

function forbid(auth, reason) {
  auth.result = 'forbidden';
  auth.reason = reason;
  throw new HttpError(403, GATEWAY_403);
}

// Token valid for this cloudId, then the "permissions settle" window.
function gatewayAuth(ctx, state) {
  const r = checkToken(ctx, state, { cloudId: ctx.params.cloudId }, GATEWAY_401);
  if (Date.now() < r.inst.settleUntil) forbid(r.auth, 'app permissions have not settled yet');
  return r;
}

function addForgeGatewayRoutes(router, state) {
  const forge = state.forge;

  router.add('GET', '/forge/.well-known/jwks.json', async () => {
    forge.keys.countFetch();
    return json(200, forge.keys.jwks());
  });

  const devopsAuth = (ctx, kind, op) => {
    const { inst, site, auth } = gatewayAuth(ctx, state);
    const scope = SCOPE_FOR[kind][op];
    if (!inst.scopes.includes(scope)) forbid(auth, `app lacks the ${scope} scope`);
    if (!hasModule(inst.modules, MODULE_FOR[kind])) forbid(auth, `app manifest does not declare ${MODULE_FOR[kind]}`);
    return { site, provider: `forge:${inst.id}` };
  };
  addDevopsRoutes(router, (kind) => `/ex/jira/:cloudId/rest/${kind}/0.1`, devopsAuth, state.settings);

  // The admin check the service makes with the user token (§2.6): site admins
  // (POST /_control/sites/{site}/admins) have the global permissions. Scope:
  // granular read:permission:jira or classic read:jira-work (Jira's OpenAPI,
  // as noted in forge/manifest.yml.in).
  router.add('GET', '/ex/jira/:cloudId/rest/api/3/mypermissions', async (ctx) => {
    const { rec, inst, site, auth } = gatewayAuth(ctx, state);
    if (!MYPERMISSIONS_SCOPES.some((s) => inst.scopes.includes(s))) forbid(auth, `app lacks the ${MYPERMISSIONS_SCOPES.join(' or ')} scope`);
    const keys = (ctx.query.get('permissions') || '').split(',').map((k) => k.trim()).filter(Boolean);
    const platformError = (message) => json(400, { errorMessages: [message], errors: {} });
    if (keys.length === 0) return platformError('The permissions query parameter is required.');
    const unknown = keys.filter((k) => !PERMISSIONS[k]);
    if (unknown.length) return platformError(`Unrecognized permission keys: ${unknown.join(', ')}`);
    const isAdmin = site.admins.has(rec.accountId);
    const permissions = {};
    for (const key of keys) {
      const { admin, ...p } = PERMISSIONS[key];
      permissions[key] = { ...p, key, havePermission: admin ? isAdmin : true };
    }
    return json(200, { permissions });
  });

  // The site's projects, for the system token (or a user token): classic read:jira-work (the
  // granular alternative is a set of eleven scopes; Jira's OpenAPI).
  router.add('GET', '/ex/jira/:cloudId/rest/api/3/project/search', async (ctx) => {
    const { inst, site, auth } = gatewayAuth(ctx, state);
    if (!inst.scopes.includes('read:jira-work')) forbid(auth, 'app lacks the read:jira-work scope');
    return json(200, projectSearchPage(site, ctx.query, `${forge.origin()}/ex/jira/${site.cloudId}`));
  });

  // Installation Details API: the token must belong to the installation in the
  // path (else 401); app/environment must match it (else 404).
  router.add('GET', '/forge/installation/v1/:appId/:envId/installation/:installationId', async (ctx) => {
    const p = ctx.params;
    const installationUuid = uuidOf(p.installationId, INSTALLATION_ARI) || p.installationId;
    const { inst } = checkToken(ctx, state, { installationUuid }, DETAILS_401);
    if (uuidOf(p.appId, APP_ARI) !== inst.app.appUuid || envUuidOf(p.envId) !== inst.app.envUuid) {
      return json(404, { type: 'NotFoundError', code: 404, message: 'Installation not found' });
    }
    const minGap = forge.settings.installationDetailsMinIntervalMs;
    const last = forge.detailsCalls.get(inst.uuid);
    if (minGap > 0 && last !== undefined && Date.now() - last < minGap) {
      const retryAfter = Math.ceil((minGap - (Date.now() - last)) / 1000);
      return json(429, { type: 'RateLimitError', code: 429, message: 'Too Many Requests' }, { 'Retry-After': String(retryAfter) });
    }
    forge.detailsCalls.set(inst.uuid, Date.now());
    return json(200, {
      version: inst.appVersion,
      installationContext: { id: `ari:cloud:jira::site/${inst.cloudId}` },
      secondaryInstallationContexts: [],
      permissions: { scopes: [...inst.scopes], external: {} },
      isSandbox: false,
    });
  });
}

module.exports = { addForgeGatewayRoutes };
