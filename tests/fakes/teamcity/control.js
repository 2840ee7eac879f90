'use strict';
// /_control/ API of the fake TeamCity: create servers (generated histories),
// read the intended issue keys, move time forward (add/start/finish/
// cancel/re-status/delete builds, tick), and corrupt one field of a build.
const { json, empty } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { TcServer } = require('./model');
const { generate } = require('./generator');
const { formatTcDate } = require('./dates');
const { parseCorruption, addCorruption, removeCorruptions, listCorruptions } = require('./corruption');

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

function createServer(app, cfg) {
  if (!cfg || typeof cfg.name !== 'string' || !NAME.test(cfg.name)) {
    throw new HttpError(400, { error: 'server "name" must match [A-Za-z0-9][A-Za-z0-9_-]*' });
  }
  if (app.servers.has(cfg.name)) throw new HttpError(409, { error: `server ${cfg.name} exists` });
  const server = new TcServer(cfg);
  server.origin = app.origin;
  generate(server, cfg);
  app.servers.set(server.name, server);
  return server;
}

function summary(s, detail = false) {
  const out = {
    name: s.name,
    baseUrl: `${s.origin}/tc/${s.name}`,
    rootUrl: s.rootUrl,
    internalId: s.internalId,
    version: s.version,
    guest: s.guest,
    counts: { projects: s.projects.size, buildTypes: s.buildTypes.size, builds: s.builds.size, changes: s.changes.size },
  };
  if (detail) {
    out.projects = [...s.projects.values()].map((p) => ({ id: p.id, name: p.name, parentProjectId: p.parentProjectId }));
    out.buildTypes = [...s.buildTypes.values()].map((bt) => ({ id: bt.id, name: bt.name, projectId: bt.projectId, type: bt.type, environment: bt.environment, snapshotDependencies: bt.snapshotDeps }));
    out.tokens = [...s.tokens.values()].map((t) => ({ projects: t.projects, noParameters: t.noParameters, revoked: t.revoked }));
  }
  return out;
}

const iso = (ms) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

// What end-to-end tests need to predict Jira's content for a build.
function buildView(s, b) {
  const bt = s.buildTypes.get(b.buildTypeId);
  return {
    id: b.id,
    buildTypeId: b.buildTypeId,
    projectId: bt.projectId,
    buildTypeType: bt.type,
    number: b.number,
    state: b.state,
    status: b.status,
    statusText: b.statusText,
    canceled: !!b.canceled,
    failedToStart: b.failedToStart,
    personal: b.personal,
    history: b.history,
    branch: b.branchName,
    defaultBranch: b.defaultBranch,
    changeCount: b.changeIds.length,
    intendedIssueKeys: b.intended.keys,
    intendedIssueKeySources: b.intended.sources,
    deployment: bt.type === 'deployment',
    environment: bt.environment,
    upstreamBuildId: bt.type === 'deployment' && b.snapshotDeps.length ? b.snapshotDeps[0] : null,
    snapshotDependencies: b.snapshotDeps,
    queuedDate: iso(b.queuedDate),
    startDate: iso(b.startDate),
    finishDate: iso(b.finishDate),
    tcDates: { queuedDate: formatTcDate(b.queuedDate, s.tzOffsetMinutes), startDate: formatTcDate(b.startDate, s.tzOffsetMinutes), finishDate: formatTcDate(b.finishDate, s.tzOffsetMinutes) },
  };
}

function addTeamCityControlRoutes(router, app) {
  const body = (ctx) => readJson(ctx.req, { allowEmpty: true }).then((b) => b || {});
  const serverOr404 = (name) => {
    const s = app.servers.get(name);
    if (!s) throw new HttpError(404, { error: `no server ${name}` });
    return s;
  };

  router.add('POST', '/_control/reset', async () => { app.reset(); return empty(204); });
  router.add('POST', '/_control/servers', async (ctx) => json(201, summary(createServer(app, await body(ctx)), true)));
  router.add('POST', '/_control/servers/bulk', async (ctx) => {
    const spec = await body(ctx);
    const count = Number(spec.count);
    if (!Number.isInteger(count) || count < 1 || count > 10000) throw new HttpError(400, { error: 'count must be 1..10000' });
    const prefix = spec.namePrefix || 'tc';
    const width = String(count).length;
    const names = [];
    for (let i = 1; i <= count; i++) {
      const name = `${prefix}${String(i).padStart(width, '0')}`;
      createServer(app, { builds: 20, ...spec, count: undefined, namePrefix: undefined, name, seed: (Number(spec.seed) || 1) + i });
      names.push(name);
    }
    return json(201, { created: count, names, baseUrlPattern: `${app.origin}/tc/{name}` });
  });
  router.add('GET', '/_control/servers', async () => json(200, [...app.servers.values()].map((s) => summary(s))));
  router.add('GET', '/_control/servers/:name', async (ctx) => json(200, summary(serverOr404(ctx.params.name), true)));
  router.add('DELETE', '/_control/servers/:name', async (ctx) => {
    serverOr404(ctx.params.name);
    app.servers.delete(ctx.params.name);
    return empty(204);
  });

  router.add('GET', '/_control/servers/:name/builds', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    const q = ctx.query;
    const start = Number(q.get('start') || 0);
    const count = Math.min(10000, Number(q.get('count') || 1000));
    let list = [...s.builds.values()].sort((a, b) => a.id - b.id);
    if (q.get('state')) list = list.filter((b) => b.state === q.get('state'));
    if (q.get('buildTypeId')) list = list.filter((b) => b.buildTypeId === q.get('buildTypeId'));
    if (q.get('deployment')) list = list.filter((b) => (s.buildTypes.get(b.buildTypeId).type === 'deployment') === (q.get('deployment') === 'true'));
    if (q.get('hasIssueKeys')) list = list.filter((b) => (b.intended.keys.length > 0) === (q.get('hasIssueKeys') === 'true'));
    const page = list.slice(start, start + count);
    return json(200, {
      total: list.length, start, count: page.length,
      next: start + page.length < list.length ? start + page.length : null,
      builds: page.map((b) => buildView(s, b)),
    });
  });
  router.add('GET', '/_control/servers/:name/builds/:id', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    return json(200, buildView(s, s.buildOr404(ctx.params.id)));
  });
  router.add('POST', '/_control/servers/:name/builds', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    return json(201, buildView(s, s.addBuild(await body(ctx))));
  });
  router.add('DELETE', '/_control/servers/:name/builds/:id', async (ctx) => {
    serverOr404(ctx.params.name).deleteBuild(ctx.params.id);
    return empty(204);
  });
  const transitions = {
    start: (s, id) => s.startBuild(id),
    finish: (s, id, b) => s.finishBuild(id, b),
    cancel: (s, id, b) => s.cancelBuild(id, b),
    status: (s, id, b) => s.setStatus(id, b),
  };
  for (const [verb, fn] of Object.entries(transitions)) {
    router.add('POST', `/_control/servers/:name/builds/:id/${verb}`, async (ctx) => {
      const s = serverOr404(ctx.params.name);
      return json(200, buildView(s, fn(s, ctx.params.id, await body(ctx))));
    });
  }
  router.add('POST', '/_control/servers/:name/tick', async (ctx) => json(200, serverOr404(ctx.params.name).tick()));

  // One field of one build answered with another value until undone (corruption.js).
  router.add('POST', '/_control/servers/:name/corrupt', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    const c = parseCorruption(s, await readJson(ctx.req));
    addCorruption(s, c);
    return json(201, c);
  });
  router.add('GET', '/_control/servers/:name/corrupt', async (ctx) => json(200, { corruptions: listCorruptions(serverOr404(ctx.params.name)) }));
  router.add('DELETE', '/_control/servers/:name/corrupt', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    const q = ctx.query;
    let buildId = null;
    if (q.has('buildId')) {
      buildId = Number(q.get('buildId'));
      if (!Number.isInteger(buildId)) throw new HttpError(400, { error: 'buildId must be an integer' });
    }
    return json(200, { removed: removeCorruptions(s, buildId, q.has('field') ? q.get('field') : null) });
  });

  router.add('POST', '/_control/servers/:name/tokens', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    const spec = await body(ctx);
    if (typeof spec.value !== 'string' || !spec.value) throw new HttpError(400, { error: 'value is required' });
    s.tokens.set(spec.value, { value: spec.value, projects: spec.projects || null, noParameters: !!spec.noParameters, revoked: false });
    return json(201, { ok: true });
  });
  router.add('POST', '/_control/servers/:name/tokens/:token/revoke', async (ctx) => {
    const t = serverOr404(ctx.params.name).tokens.get(ctx.params.token);
    if (!t) throw new HttpError(404, { error: 'no such token' });
    t.revoked = true;
    return json(200, { revoked: true });
  });
  router.add('POST', '/_control/servers/:name/guest', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    const spec = await body(ctx);
    s.guest = !!spec.enabled;
    s.guestProjects = spec.projects || null;
    return json(200, { guest: s.guest, projects: s.guestProjects });
  });
  router.add('POST', '/_control/servers/:name/clock', async (ctx) => {
    const s = serverOr404(ctx.params.name);
    s.clockOffsetMs = Number((await body(ctx)).offsetSeconds || 0) * 1000;
    return json(200, { offsetSeconds: s.clockOffsetMs / 1000, now: formatTcDate(s.now(), s.tzOffsetMinutes) });
  });
}

module.exports = { addTeamCityControlRoutes, buildView };
