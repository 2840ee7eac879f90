'use strict';
// /_control/ API of the fake Atlassian cloud: sites, lifecycle driver, token
// minting, stored data, install keys, settings. No auth (loopback only).
const { json, empty } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { createSite, siteSummary } = require('./sites');
const { driveLifecycle, installationFrom } = require('./lifecycle');
const { mintToken } = require('./tokens');

const EVENTS = { install: 'installed', uninstall: 'uninstalled', enable: 'enabled', disable: 'disabled' };

function addAtlassianControlRoutes(router, state) {
  const body = (ctx) => readJson(ctx.req, { allowEmpty: true }).then((b) => b || {});

  router.add('POST', '/_control/reset', async () => { state.reset(); return empty(204); });

  router.add('POST', '/_control/sites', async (ctx) => {
    const spec = await body(ctx);
    if (state.sites.has(spec.name)) throw new HttpError(409, { error: `site ${spec.name} exists` });
    const site = createSite(spec, state.origin);
    state.sites.set(site.name, site);
    return json(201, siteSummary(site));
  });
  router.add('GET', '/_control/sites', async () => json(200, [...state.sites.values()].map(siteSummary)));
  router.add('GET', '/_control/sites/:site', async (ctx) => json(200, siteSummary(state.siteOr404(ctx.params.site))));
  router.add('DELETE', '/_control/sites/:site', async (ctx) => {
    state.siteOr404(ctx.params.site);
    state.sites.delete(ctx.params.site);
    return empty(204);
  });

  router.add('POST', '/_control/sites/:site/admins', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    const spec = await body(ctx);
    if (!Array.isArray(spec.accountIds)) throw new HttpError(400, { error: 'accountIds must be an array' });
    site.admins = new Set(spec.accountIds);
    return json(200, siteSummary(site));
  });
  router.add('POST', '/_control/sites/:site/projects', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    const spec = await body(ctx);
    const fresh = createSite({ name: site.name, projects: spec.projects || {} }, state.origin);
    for (const [k, p] of fresh.projects) {
      const old = site.projects.get(k);
      site.projects.set(k, old ? { ...old, issueCount: p.issueCount } : { ...p, id: String(10000 + site.projects.size) });
    }
    return json(200, siteSummary(site));
  });

  for (const [verb, event] of Object.entries(EVENTS)) {
    router.add('POST', `/_control/sites/:site/${verb}`, async (ctx) => {
      const site = state.siteOr404(ctx.params.site);
      const opts = await body(ctx);
      const result = await driveLifecycle(state, site, event, opts);
      if (event === 'installed' && result.stored && opts.sendEnabled) {
        result.enabled = await driveLifecycle(state, site, 'enabled', {});
      }
      return json(200, result);
    });
  }
  router.add('GET', '/_control/sites/:site/lifecycle', async (ctx) => json(200, state.siteOr404(ctx.params.site).lifecycleLog));

  // Shortcut: make the site consider an app installed without any callback
  // (for tests that seed the app's tenant table themselves).
  router.add('POST', '/_control/sites/:site/installation', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    const spec = await body(ctx);
    if (typeof spec.appKey !== 'string' || typeof spec.sharedSecret !== 'string') {
      throw new HttpError(400, { error: 'appKey and sharedSecret are required' });
    }
    const modules = spec.modules || ['jiraBuildInfoProvider', 'jiraDeploymentInfoProvider'];
    const descriptor = {
      key: spec.appKey, baseUrl: spec.baseUrl || 'http://127.0.0.1:8080',
      scopes: spec.scopes || ['READ', 'WRITE', 'DELETE'], modules: Object.fromEntries(modules.map((m) => [m, {}])),
    };
    site.installation = installationFrom(descriptor, spec.sharedSecret, site.installation);
    if (spec.enabled === false) site.installation.enabled = false;
    return json(200, siteSummary(site));
  });
  router.add('DELETE', '/_control/sites/:site/installation', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    site.installation = null;
    return empty(204);
  });

  router.add('POST', '/_control/sites/:site/tokens', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    return json(200, mintToken(state, site, await body(ctx)));
  });

  for (const kind of ['builds', 'deployments']) {
    const storeKind = kind === 'builds' ? 'build' : 'deployment';
    router.add('GET', `/_control/sites/:site/${kind}`, async (ctx) => {
      const site = state.siteOr404(ctx.params.site);
      const q = ctx.query;
      const items = site.store.list(storeKind, { provider: q.get('provider'), pipelineId: q.get('pipelineId'), issueKey: q.get('issueKey') });
      return json(200, { count: items.length, [kind]: items });
    });
    router.add('DELETE', `/_control/sites/:site/${kind}`, async (ctx) => {
      const site = state.siteOr404(ctx.params.site);
      (kind === 'builds' ? site.store.builds : site.store.deployments).clear();
      return empty(204);
    });
  }

  router.add('GET', '/_control/install-keys', async () => json(200, {
    currentKid: state.keys.currentKid, kids: [...state.keys.keys.keys()], pemStyle: state.keys.pemStyle,
  }));
  router.add('POST', '/_control/install-keys/rotate', async () => json(200, { kid: state.keys.rotate() }));
  router.add('POST', '/_control/install-keys/pem-style', async (ctx) => {
    const { style } = await body(ctx);
    if (!['lf', 'crlf', 'no-trailing-newline'].includes(style)) throw new HttpError(400, { error: 'style must be lf, crlf or no-trailing-newline' });
    state.keys.pemStyle = style;
    return json(200, { pemStyle: style });
  });
  router.add('GET', '/_control/install-keys/fetches', async () => json(200, state.keys.fetchCounts()));
  router.add('DELETE', '/_control/install-keys/fetches', async () => { state.keys.resetCounts(); return empty(204); });

  router.add('GET', '/_control/settings', async () => json(200, state.settings));
  router.add('POST', '/_control/settings', async (ctx) => {
    const spec = await body(ctx);
    for (const k of ['maxBodyBytes', 'leewaySeconds']) {
      if (spec[k] !== undefined) {
        const n = Number(spec[k]);
        if (!Number.isInteger(n) || n < 0) throw new HttpError(400, { error: `${k} must be an integer >= 0` });
        state.settings[k] = n;
      }
    }
    return json(200, state.settings);
  });
}

module.exports = { addAtlassianControlRoutes };
