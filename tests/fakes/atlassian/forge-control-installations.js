'use strict';
// /_control/forge/installations/... : install, uninstall (after preUninstall),
// reinstall, upgrade, lifecycle events, scheduled ticks, UI invokeRemote, app
// tokens and the permissions-settle window. Installation ids in paths are the
// bare uuid or the percent-encoded ARI.
const { json } = require('../lib/respond');
const { HttpError } = require('../lib/http-error');
const { installationSummary } = require('./forge-registry');
const { checkModules, checkScopes } = require('./forge-manifest');
const { deliverLifecycle, deliverTick, deliverPreUninstall, waitMode, waitFor } = require('./forge-invoke');
const { invokeRemote } = require('./forge-ui');
const { viewContext } = require('./forge-ui-context');
const { MAX_TTL_SECONDS } = require('./forge-tokens');

const INSTALLED = 'avi:forge:installed:app';
const UPGRADED = 'avi:forge:upgraded:app';

// The acting user when a request names none: the site's first admin.
function defaultAccount(forge, inst) {
  const site = forge.siteOf(inst);
  return (site && [...site.admins][0]) || null;
}

const major = (v) => Number.parseInt(String(v).split('.')[0], 10) || 0;

function addForgeInstallationControlRoutes(router, state, readBody) {
  const forge = state.forge;
  const summary = (inst) => ({ ...installationSummary(inst, state.origin), tokens: forge.tokens.countFor(inst) });
  const withInst = (handler) => async (ctx) => handler(forge.registry.installation(ctx.params.id), await readBody(ctx), ctx);

  // Installs and (unless sendEvent is false) delivers avi:forge:installed:app.
  const installOn = async (app, site, spec, previousInstallationId = null) => {
    const mode = waitMode(spec.wait);
    const installerAccountId = spec.installerAccountId || [...site.admins][0] || null;
    const inst = forge.install(app, site, { installerAccountId, previousInstallationId });
    const invocations = spec.sendEvent === false ? [] : deliverLifecycle(forge, inst, INSTALLED, { extra: spec.payload, actorAccountId: installerAccountId });
    await waitFor(invocations, mode);
    return { inst, invocations };
  };

  // preUninstall first (the installation is still active while it runs, so the
  // remote may still call Jira), then the uninstall whatever the remote answered.
  const uninstall = async (inst, spec) => {
    if (inst.status !== 'active') throw new HttpError(409, { error: `installation ${inst.id} is already uninstalled` });
    const invocations = spec.preUninstall === false ? [] : deliverPreUninstall(forge, inst);
    await waitFor(invocations, 'final');
    forge.uninstall(inst);
    return invocations;
  };

  router.add('POST', '/_control/forge/installations', async (ctx) => {
    const spec = await readBody(ctx);
    if (typeof spec.appId !== 'string' || typeof spec.site !== 'string') throw new HttpError(400, { error: 'appId and site are required' });
    const app = forge.registry.resolveApp(spec.appId, spec.environmentId);
    const site = state.siteOr404(spec.site);
    const { inst, invocations } = await installOn(app, site, spec);
    return json(201, { installation: summary(inst), invocations });
  });

  router.add('GET', '/_control/forge/installations', async (ctx) => {
    const q = ctx.query;
    const list = [...forge.registry.installations.values()].filter((i) => (!q.get('site') || i.siteName === q.get('site'))
      && (!q.get('status') || i.status === q.get('status')) && (!q.get('appId') || i.app.appId === q.get('appId') || i.app.appUuid === q.get('appId')));
    return json(200, list.map(summary));
  });
  router.add('GET', '/_control/forge/installations/:id', withInst(async (inst) => json(200, summary(inst))));

  router.add('POST', '/_control/forge/installations/:id/uninstall', withInst(async (inst, spec) => {
    const invocations = await uninstall(inst, spec);
    return json(200, { installation: summary(inst), invocations });
  }));

  router.add('POST', '/_control/forge/installations/:id/reinstall', withInst(async (old, spec) => {
    waitMode(spec.wait);
    const site = forge.siteOf(old);
    if (!site) throw new HttpError(409, { error: 'the site of this installation was deleted' });
    const before = old.status === 'active' ? await uninstall(old, spec) : [];
    const { inst, invocations } = await installOn(old.app, site, spec, old.id);
    return json(201, { installation: summary(inst), previousInstallationId: old.id, invocations: [...before, ...invocations] });
  }));

  // New version (and optionally scopes/modules); the upgraded event goes out
  // only for a major version bump unless sendEvent says otherwise.
  router.add('POST', '/_control/forge/installations/:id/upgrade', withInst(async (inst, spec) => {
    if (typeof spec.appVersion !== 'string') throw new HttpError(400, { error: 'appVersion is required' });
    const mode = waitMode(spec.wait);
    const scopes = spec.scopes === undefined ? inst.scopes : checkScopes(spec.scopes);
    const modules = spec.modules === undefined ? inst.modules : checkModules(spec.modules);
    const majorBump = major(spec.appVersion) > major(inst.appVersion);
    Object.assign(inst, { appVersion: spec.appVersion, scopes, modules });
    const send = spec.sendEvent === undefined ? majorBump : !!spec.sendEvent;
    const actor = spec.upgraderAccountId || defaultAccount(forge, inst);
    const invocations = send ? deliverLifecycle(forge, inst, UPGRADED, { extra: spec.payload, actorAccountId: actor }) : [];
    await waitFor(invocations, mode);
    return json(200, { installation: summary(inst), invocations });
  }));

  router.add('POST', '/_control/forge/installations/:id/events', withInst(async (inst, spec) => {
    if (spec.event !== INSTALLED && spec.event !== UPGRADED) throw new HttpError(400, { error: `event must be ${INSTALLED} or ${UPGRADED}` });
    const mode = waitMode(spec.wait);
    const invocations = deliverLifecycle(forge, inst, spec.event, { extra: spec.payload, actorAccountId: spec.accountId || defaultAccount(forge, inst) });
    await waitFor(invocations, mode);
    return json(200, { invocations });
  }));

  router.add('POST', '/_control/forge/installations/:id/tick', withInst(async (inst, spec) => {
    const mode = waitMode(spec.wait);
    if (inst.status !== 'active') throw new HttpError(409, { error: 'installation is uninstalled: Forge sends no more ticks' });
    const invocations = deliverTick(forge, inst, spec.moduleKey);
    await waitFor(invocations, mode);
    return json(200, { invocations });
  }));

  router.add('POST', '/_control/forge/installations/:id/invoke', withInst(async (inst, spec) => {
    if (inst.status !== 'active') throw new HttpError(409, { error: 'installation is uninstalled' });
    return json(200, await invokeRemote(forge, inst, spec));
  }));

  // Read-only: what view.getContext() answers in the module's frame on the
  // stand-in Forge page (the same definition the page and the FIT use).
  router.add('GET', '/_control/forge/installations/:id/ui-context', withInst(async (inst, _spec, ctx) => {
    const q = ctx.query;
    const accountId = q.get('accountId') || defaultAccount(forge, inst);
    return json(200, viewContext(forge, inst, { moduleKey: q.get('moduleKey') || undefined, issueKey: q.get('issueKey') || undefined, accountId }));
  }));

  router.add('POST', '/_control/forge/installations/:id/tokens', withInst(async (inst, spec) => {
    const kind = spec.kind || 'system';
    if (kind !== 'system' && kind !== 'user') throw new HttpError(400, { error: 'kind must be "system" or "user"' });
    const accountId = kind === 'system' ? inst.systemAccountId : spec.accountId || defaultAccount(forge, inst);
    if (!accountId) throw new HttpError(400, { error: 'accountId is required for a user token' });
    const ttl = spec.ttlSeconds === undefined ? forge.settings.tokenTtlSeconds : Number(spec.ttlSeconds);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) throw new HttpError(400, { error: `ttlSeconds must be 1..${MAX_TTL_SECONDS}` });
    return json(200, { kind, accountId, ...forge.tokens.mint(inst, kind, accountId, ttl) });
  }));

  router.add('POST', '/_control/forge/installations/:id/expire-tokens', withInst(async (inst) => json(200, { expired: forge.tokens.expireInstallation(inst) })));

  router.add('POST', '/_control/forge/installations/:id/settle', withInst(async (inst, spec) => {
    const ms = spec.remainingMs === undefined ? 0 : Number(spec.remainingMs);
    if (!Number.isInteger(ms) || ms < 0) throw new HttpError(400, { error: 'remainingMs must be an integer >= 0' });
    inst.settleUntil = Date.now() + ms;
    return json(200, summary(inst));
  }));
}

module.exports = { addForgeInstallationControlRoutes, defaultAccount };
