'use strict';
// The TeamCity REST API of every fake server, under /tc/{name}/[httpAuth/|guestAuth/]app/rest[/latest]/...
const { json, rawJson, text } = require('../lib/respond');
const { render } = require('./render');
const { parseFields, LONG, SHORT } = require('./fields');
const beans = require('./beans');
const { authenticate, unauthorized } = require('./auth');
const { compileBuildLocator, runQuery } = require('./build-query');
const { parseChecked, first, intDim, tcError } = require('./locator');
const { pageLinks } = require('./paging');
const { formatTcDate } = require('./dates');
const { corruptBuild } = require('./corruption');
const { HttpError } = require('../lib/http-error');

const NODE = { 'TeamCity-Node-Id': 'MAIN_SERVER' };
const PROJECT_DIMS = ['id', 'internalId', 'name', 'archived', 'affectedProject', 'parentProject', 'count', 'start'];
const BUILD_TYPE_DIMS = ['id', 'internalId', 'name', 'type', 'paused', 'templateFlag', 'affectedProject', 'project', 'count', 'start'];
const CHANGE_DIMS = ['id', 'build', 'version', 'username', 'count', 'start', 'lookupLimit'];
const SCALAR_FIELDS = new Set(['id', 'number', 'status', 'statusText', 'state', 'branchName', 'buildTypeId', 'webUrl', 'queuedDate', 'startDate', 'finishDate']);

function addTeamCityRoutes(router, app) {
  router.add('*', '/tc/:server/*rest', (ctx) => handle(ctx, app));
}

async function handle(ctx, app) {
  const server = app.servers.get(ctx.params.server);
  if (!server) return text(404, 'Not Found');
  let rest = `/${ctx.params.rest}`;
  let prefix = '';
  const m = /^\/(httpAuth|guestAuth)(?=\/)/.exec(rest);
  if (m) { prefix = `/${m[1]}`; rest = rest.slice(m[0].length); }
  if (!rest.startsWith('/app/rest')) return text(404, 'Not Found');
  let sub = rest.slice('/app/rest'.length).replace(/^\/(latest|\d+\.\d+)(?=\/|$)/, '');

  const auth = authenticate(server, ctx.req, prefix);
  ctx.entry.auth = { scheme: auth.scheme || null, result: auth.principal ? 'ok' : 'rejected', reason: auth.fail || null, tokenHash: auth.tokenHash || null };
  if (!auth.principal) return unauthorized();
  if (ctx.req.method !== 'GET') {
    return json(403, { errors: [{ message: `You do not have "Edit project" permission in project with internal id: 'project1'` }] }, NODE);
  }
  const accept = String(ctx.req.headers.accept || '');
  const wantsText = sub === '/server/version' || /^\/builds\/[^/]+\/[A-Za-z]+$/.test(sub);
  if (!wantsText && !accept.includes('application/json')) {
    return text(406, 'Not Acceptable: this fake TeamCity produces only application/json (send "Accept: application/json")', 'text/plain;charset=UTF-8', NODE);
  }
  const rc = {
    server, prefix, principal: auth.principal, ctx,
    path: `${prefix}${rest}`,
    visibleType: (bt) => !auth.principal.visible || auth.principal.visible.has(bt.projectId),
    fields: parseFields(ctx.query.has('fields') ? ctx.query.get('fields') : null),
  };
  if (sub.endsWith('/') && sub.length > 1) sub = sub.slice(0, -1);
  const segs = sub.split('/').filter(Boolean);
  let res;
  try {
    res = route(rc, segs);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    res = json(err.status, err.body, err.headers);
  }
  Object.assign(res.headers, NODE);
  return res;
}

function decodeSeg(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

function route(rc, segs) {
  const [a, b, c, d] = segs;
  if (a === 'server' && !b) return out(rc, beans.server, rc.server, LONG);
  if (a === 'server' && b === 'version') return text(200, rc.server.version);
  if (a === 'projects') return b ? oneProject(rc, decodeSeg(b)) : listProjects(rc);
  if (a === 'buildTypes') return b ? oneBuildType(rc, decodeSeg(b)) : listBuildTypes(rc);
  if (a === 'builds' && !b) return listBuilds(rc, false);
  if (a === 'builds') return buildSub(rc, decodeSeg(b), c, d, segs.slice(2));
  if (a === 'buildQueue') return b ? oneBuild(rc, decodeSeg(b), true) : listBuilds(rc, true);
  if (a === 'changes') return b ? oneChange(rc, decodeSeg(b)) : listChanges(rc);
  if (a === 'users' && b === 'current' && !c) return currentUser(rc);
  return json(404, { errors: [{ message: `Not found: ${rc.path}` }] });
}

// The user the credentials authenticate as (TeamCity answers the guest user for guestAuth).
function currentUser(rc) {
  const { name } = rc.principal;
  return json(200, { username: name, name: name === 'guest' ? 'Guest' : name, id: name === 'guest' ? 0 : 1,
                     href: `${rc.prefix}/app/rest/users/id:${name === 'guest' ? 0 : 1}` });
}

// Renders with the request's fields (or the endpoint default form). Top-level build objects get
// the server's corrupted fields (corruption.js).
function out(rc, bean, entity, defaultSpec) {
  const spec = rc.fields || defaultSpec;
  const rendered = render(bean, entity, spec, rc);
  if (bean === beans.build) corruptBuild(rc.server, rendered);
  if (bean === beans.buildList && Array.isArray(rendered.build)) {
    for (const b of rendered.build) corruptBuild(rc.server, b);
  }
  return rawJson(200, JSON.stringify(rendered));
}

function listBuilds(rc, queueOnly) {
  const locText = rc.ctx.query.get('locator') || null;
  const q = compileBuildLocator(rc.server, locText || 'count:100', rc.principal, { queueOnly });
  const r = runQuery(rc.server, q);
  const links = pageLinks(rc.path, rc.ctx.rawQuery, locText, { start: r.start, count: r.count, lookupLimit: r.lookupLimit, limitReached: r.limitReached, size: r.items.length });
  return out(rc, beans.buildList, { list: r.items, ...links }, SHORT);
}

function findBuild(rc, locText, queueOnly) {
  const q = compileBuildLocator(rc.server, locText, rc.principal, { queueOnly });
  if (!q.byId) { q.count = 1; q.start = 0; }
  const r = runQuery(rc.server, q);
  const b = r.items[0];
  if (!b || (queueOnly && b.state !== 'queued')) throw tcError(404, `No build found by locator '${locText}'.`);
  return b;
}

function oneBuild(rc, locText, queueOnly = false) {
  return out(rc, beans.build, findBuild(rc, locText, queueOnly), LONG);
}

function buildSub(rc, locText, sub, sub2, rest) {
  if (!sub) return oneBuild(rc, locText);
  const b = findBuild(rc, locText, false);
  if (sub === 'relatedIssues' || sub === 'related-issues') return out(rc, beans.relatedIssues, { build: b }, LONG);
  if (sub === 'resultingProperties' || sub === 'parameters') {
    if (rc.principal.noParameters) {
      const pid = rc.server.projects.get(rc.server.buildTypes.get(b.buildTypeId).projectId).internalId;
      return json(403, { errors: [{ message: `You do not have "View build runtime parameters and data" permission in project with internal id: '${pid}'` }] });
    }
    return out(rc, beans.properties, { list: b.properties }, LONG);
  }
  if (sub === 'artifacts') return json(200, { count: 0, file: [] });
  if (sub === 'statistics') return json(200, { count: 0, property: [] });
  if (sub === 'changes') return out(rc, beans.changeList, { list: b.changeIds.map((id) => rc.server.changes.get(id)) }, SHORT);
  if (SCALAR_FIELDS.has(sub) && rest.length === 1) {
    const v = sub.endsWith('Date') ? formatTcDate(b[sub], rc.server.tzOffsetMinutes) : sub === 'webUrl' ? render(beans.build, b, { base: null, items: new Map([['webUrl', null]]) }, rc).webUrl : b[sub];
    if (v === null || v === undefined) throw tcError(404, `Field '${sub}' is not set for build ${b.id}.`);
    return text(200, String(v));
  }
  return json(404, { errors: [{ message: `Not found: ${rc.path}` }] });
}

function pageOf(list, loc, rc, locText) {
  const count = intDim(loc, 'count') ?? 100;
  const start = intDim(loc, 'start') ?? 0;
  const items = list.slice(start, start + count);
  return { list: items, ...pageLinks(rc.path, rc.ctx.rawQuery, locText, { start, count, size: items.length }) };
}

function visibleProjects(rc) {
  return [...rc.server.projects.values()].filter((p) => !rc.principal.visible || rc.principal.visible.has(p.id));
}

function listProjects(rc) {
  const locText = rc.ctx.query.get('locator');
  let list = visibleProjects(rc);
  let loc = { dims: new Map(), order: [], single: null };
  if (locText) {
    loc = parseChecked(locText, PROJECT_DIMS);
    if (loc.single !== null) list = list.filter((p) => p.id === loc.single);
    const archived = first(loc, 'archived');
    if (archived !== undefined && archived !== 'any') list = list.filter((p) => p.archived === (archived === 'true'));
    for (const [dim, get] of [['id', (p) => p.id], ['internalId', (p) => p.internalId], ['name', (p) => p.name]]) {
      if (first(loc, dim) !== undefined) list = list.filter((p) => get(p) === first(loc, dim));
    }
    if (first(loc, 'affectedProject') !== undefined) {
      const root = refId(first(loc, 'affectedProject'));
      const sub = rc.server.subtreeProjects(root);
      list = list.filter((p) => sub.has(p.id) && p.id !== root);
    }
    if (first(loc, 'parentProject') !== undefined) {
      const parent = refId(first(loc, 'parentProject'));
      list = list.filter((p) => p.parentProjectId === parent);
    }
  }
  return out(rc, beans.projectList, pageOf(list, loc, rc, locText), SHORT);
}

function refId(text) {
  const m = /^\(?id:([^)]*)\)?$/.exec(text);
  return m ? m[1] : text.replace(/^\(|\)$/g, '');
}

function oneProject(rc, locText) {
  const loc = parseChecked(locText, PROJECT_DIMS);
  const id = loc.single !== null ? loc.single : first(loc, 'id');
  const p = rc.server.projects.get(id);
  if (!p || (rc.principal.visible && !rc.principal.visible.has(p.id))) throw tcError(404, `No project found by locator '${locText}'.`);
  return out(rc, beans.project, p, LONG);
}

function filterBuildTypes(rc, loc) {
  let list = [...rc.server.buildTypes.values()].filter(rc.visibleType);
  if (loc.single !== null) return list.filter((bt) => bt.id === loc.single);
  for (const [dim, get] of [['id', (bt) => bt.id], ['internalId', (bt) => bt.internalId], ['name', (bt) => bt.name]]) {
    if (first(loc, dim) !== undefined) list = list.filter((bt) => get(bt) === first(loc, dim));
  }
  if (first(loc, 'type') !== undefined) {
    const t = first(loc, 'type').toLowerCase();
    if (!['regular', 'composite', 'deployment'].includes(t)) throw tcError(400, `Invalid value of dimension 'type': '${first(loc, 'type')}'. Supported values are: [regular, composite, deployment]`);
    list = list.filter((bt) => bt.type === t);
  }
  if (first(loc, 'paused') !== undefined && first(loc, 'paused') !== 'any') list = list.filter((bt) => bt.paused === (first(loc, 'paused') === 'true'));
  if (first(loc, 'templateFlag') === 'true') list = [];
  if (first(loc, 'affectedProject') !== undefined) {
    const set = rc.server.subtreeBuildTypes(refId(first(loc, 'affectedProject')));
    list = list.filter((bt) => set.has(bt.id));
  }
  if (first(loc, 'project') !== undefined) {
    const pid = refId(first(loc, 'project'));
    list = list.filter((bt) => bt.projectId === pid);
  }
  return list;
}

function listBuildTypes(rc) {
  const locText = rc.ctx.query.get('locator');
  const loc = locText ? parseChecked(locText, BUILD_TYPE_DIMS) : { dims: new Map(), order: [], single: null };
  return out(rc, beans.buildTypeList, pageOf(filterBuildTypes(rc, loc), loc, rc, locText), SHORT);
}

function oneBuildType(rc, locText) {
  const loc = parseChecked(locText, BUILD_TYPE_DIMS);
  const bt = filterBuildTypes(rc, loc)[0];
  if (!bt) throw tcError(404, `No build types found by locator '${locText}'.`);
  return out(rc, beans.buildType, bt, LONG);
}

function listChanges(rc) {
  const locText = rc.ctx.query.get('locator');
  const loc = locText ? parseChecked(locText, CHANGE_DIMS) : { dims: new Map(), order: [], single: null };
  let list;
  if (first(loc, 'build') !== undefined) {
    const b = findBuild(rc, refBuild(first(loc, 'build')), false);
    list = b.changeIds.map((id) => rc.server.changes.get(id));
  } else {
    list = [...rc.server.changes.values()].sort((x, y) => y.id - x.id);
  }
  if (loc.single !== null || first(loc, 'id') !== undefined) {
    const id = Number(loc.single !== null ? loc.single : first(loc, 'id'));
    list = list.filter((c) => c.id === id);
  }
  if (first(loc, 'version') !== undefined) list = list.filter((c) => c.version === first(loc, 'version'));
  if (first(loc, 'username') !== undefined) list = list.filter((c) => c.username === first(loc, 'username'));
  return out(rc, beans.changeList, pageOf(list, loc, rc, locText), SHORT);
}

function refBuild(text) {
  return /^\d+$/.test(text) ? `id:${text}` : text;
}

function oneChange(rc, locText) {
  const loc = parseChecked(locText, CHANGE_DIMS);
  const id = Number(loc.single !== null ? loc.single : first(loc, 'id'));
  const c = rc.server.changes.get(id);
  if (!c) throw tcError(404, `No change found by locator '${locText}'.`);
  return out(rc, beans.change, c, LONG);
}

module.exports = { addTeamCityRoutes };
