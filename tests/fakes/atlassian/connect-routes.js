'use strict';
// Routes under /sites/{site}/...: the Jira site as a Connect app sees it.
const { json } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { verifyConnectJwt, checkGrant } = require('./connect-auth');
const { addDevopsRoutes, errorArray } = require('./devops-api');
const { projectSearchPage } = require('./jira-projects');

function addConnectRoutes(router, state) {
  const siteOr404 = (ctx) => {
    const site = state.sites.get(ctx.params.site);
    if (!site) throw new HttpError(404, errorArray(`No site ${ctx.params.site}`));
    return site;
  };

  // errorBody shapes the 401/403 body for the API family (devops vs platform).
  const authorizeWith = (errorBody) => (ctx, kind, scope) => {
    const site = siteOr404(ctx);
    const result = verifyConnectJwt(ctx.req, site, state.settings);
    ctx.entry.auth = { scheme: 'JWT', result: result.ok ? 'ok' : 'rejected', reason: result.reason || null, tokenHash: result.tokenHash || null };
    if (!result.ok) throw new HttpError(401, errorBody(`Authentication failed: ${result.reason}`));
    const denied = checkGrant(site.installation, kind, scope);
    if (denied) {
      ctx.entry.auth.result = 'forbidden';
      ctx.entry.auth.reason = denied;
      throw new HttpError(403, errorBody(denied));
    }
    return { site, provider: `connect:${site.installation.appKey}`, claims: result.claims };
  };

  addDevopsRoutes(router, (kind) => `/sites/:site/rest/${kind}/0.1`, authorizeWith((m) => errorArray(m)), state.settings);

  const platformAuth = authorizeWith((m) => ({ errorMessages: [m], errors: {} }));

  router.add('POST', '/sites/:site/rest/api/3/permissions/check', async (ctx) => {
    const { site } = platformAuth(ctx, 'platform', 'READ');
    const body = await readJson(ctx.req, { badJson: { errorMessages: ['Invalid JSON'], errors: {} } });
    const requested = Array.isArray(body && body.globalPermissions) ? body.globalPermissions : [];
    const isAdmin = body && typeof body.accountId === 'string' && site.admins.has(body.accountId);
    const granted = isAdmin ? requested.filter((p) => p === 'ADMINISTER' || p === 'SYSTEM_ADMIN' || p === 'BROWSE_PROJECTS') : [];
    return json(200, { globalPermissions: granted, projectPermissions: [] });
  });

  router.add('GET', '/sites/:site/rest/api/3/project/search', async (ctx) => {
    const { site } = platformAuth(ctx, 'platform', 'READ');
    return json(200, projectSearchPage(site, ctx.query, site.baseUrl));
  });

  // Unauthenticated, as on real sites.
  router.add('GET', '/sites/:site/_edge/tenant_info', async (ctx) => json(200, { cloudId: siteOr404(ctx).cloudId }));
}

module.exports = { addConnectRoutes };
