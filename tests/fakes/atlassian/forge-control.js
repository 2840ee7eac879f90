'use strict';
// /_control/forge/... : keys, settings, apps, FIT minting, tokens, the
// invocation log. The installation lifecycle and invocation driver routes are
// in forge-control-installations.js.
const { json, empty } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { appSummary, checkResourcesDir } = require('./forge-registry');
const { checkModules, checkScopes, checkResources, checkModuleResources } = require('./forge-manifest');
const { mintFit } = require('./forge-fit');
const { addForgeInstallationControlRoutes, defaultAccount } = require('./forge-control-installations');

const readBody = (ctx) => readJson(ctx.req, { allowEmpty: true }).then((b) => (b && typeof b === 'object' ? b : {}));

function addForgeControlRoutes(router, state) {
  const forge = state.forge;

  router.add('GET', '/_control/forge', async () => json(200, {
    settings: forge.settings,
    keys: forge.keys.summary(),
    jwksFetches: forge.keys.fetches.total,
    apps: forge.registry.apps.size,
    installations: forge.registry.installations.size,
    tokensMinted: forge.tokens.minted,
    invocations: forge.invocations.entries.length,
    cdnOrigin: state.cdnOrigin || null,
  }));

  router.add('GET', '/_control/forge/settings', async () => json(200, forge.settings));
  router.add('POST', '/_control/forge/settings', async (ctx) => json(200, forge.updateSettings(await readBody(ctx))));

  router.add('GET', '/_control/forge/keys', async () => json(200, forge.keys.summary()));
  router.add('POST', '/_control/forge/keys/rotate', async (ctx) => {
    const { purpose = 'invocation' } = await readBody(ctx);
    if (purpose !== 'invocation' && purpose !== 'context') throw new HttpError(400, { error: 'purpose must be "invocation" or "context"' });
    const kid = forge.keys.rotate(purpose);
    return json(200, { kid, ...forge.keys.summary() });
  });
  router.add('POST', '/_control/forge/keys/retire', async (ctx) => {
    const { kid } = await readBody(ctx);
    const problem = forge.keys.retire(kid);
    if (problem) throw new HttpError(problem === 'unknown kid' ? 404 : 409, { error: problem });
    return json(200, forge.keys.summary());
  });
  router.add('GET', '/_control/forge/jwks-fetches', async () => json(200, forge.keys.fetches));
  router.add('DELETE', '/_control/forge/jwks-fetches', async () => { forge.keys.resetCounts(); return empty(204); });

  router.add('POST', '/_control/forge/apps', async (ctx) => json(201, appSummary(forge.registry.registerApp(await readBody(ctx)))));
  router.add('GET', '/_control/forge/apps', async () => json(200, [...forge.registry.apps.values()].map(appSummary)));
  // Changes the app for future installs; remoteBaseUrl, resources and
  // resourcesDir apply at once to all of its installations (e.g. after
  // restarting the service on another port, or rebuilding the Custom UI).
  // Everything is checked before anything changes.
  router.add('POST', '/_control/forge/apps/:appId', async (ctx) => {
    const spec = await readBody(ctx);
    const app = forge.registry.resolveApp(ctx.params.appId, spec.environmentId);
    if (spec.remoteBaseUrl !== undefined) {
      try { new URL(spec.remoteBaseUrl); } catch { throw new HttpError(400, { error: 'remoteBaseUrl must be an absolute URL' }); }
    }
    const modules = spec.modules === undefined ? app.modules : checkModules(spec.modules);
    const scopes = spec.scopes === undefined ? app.scopes : checkScopes(spec.scopes);
    const resources = spec.resources === undefined ? app.resources : checkResources(spec.resources);
    const resourcesDir = spec.resourcesDir === undefined ? app.resourcesDir : checkResourcesDir(spec.resourcesDir);
    checkModuleResources(modules, resources);
    if (spec.remoteBaseUrl !== undefined) app.remoteBaseUrl = String(spec.remoteBaseUrl);
    if (spec.appVersion !== undefined) app.appVersion = String(spec.appVersion);
    Object.assign(app, { modules, scopes, resources, resourcesDir });
    if (spec.license !== undefined) app.license = spec.license;
    return json(200, appSummary(app));
  });

  router.add('POST', '/_control/forge/fit', async (ctx) => {
    const spec = await readBody(ctx);
    const inst = forge.registry.installation(spec.installationId);
    const kind = spec.kind || 'endpoint';
    if (kind !== 'endpoint' && kind !== 'ui') throw new HttpError(400, { error: 'kind must be "endpoint" or "ui"' });
    const endpointKey = spec.endpointKey || ((inst.modules.trigger || [])[0] || {}).endpoint || null;
    const accountId = kind === 'ui' ? spec.accountId || defaultAccount(forge, inst) : undefined;
    return json(200, mintFit(forge, inst, { ...spec, kind, endpointKey, accountId }));
  });

  router.add('GET', '/_control/forge/invocations', async (ctx) => {
    const q = ctx.query;
    const list = forge.invocations.query({ installationId: q.get('installationId') || undefined, kind: q.get('kind') || undefined, since: Number(q.get('since') || 0) });
    return json(200, { count: list.length, invocations: list });
  });
  router.add('GET', '/_control/forge/invocations/:id', async (ctx) => json(200, forge.invocations.get(ctx.params.id)));
  router.add('DELETE', '/_control/forge/invocations', async () => { forge.invocations.clear(); return empty(204); });

  addForgeInstallationControlRoutes(router, state, readBody);
}

module.exports = { addForgeControlRoutes };
