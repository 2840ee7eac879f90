'use strict';
// Build locator evaluation with TeamCity's defaults and paging semantics:
// - without defaultFilter:false (and not an id lookup): state defaults to
//   finished; unless only queued/running builds are asked for, personal,
//   canceled and failedToStart default to false and the branch to the default
//   branch (not for snapshotDependency locators);
// - order: queued (queue order), running (newest first), finished (newest
//   first, by id);
// - count (default 100), start, lookupLimit (default 5000, raised to count):
//   every examined build counts against lookupLimit, including those skipped
//   by start; when it is hit the page ends early and nextHref raises it.
const { parseChecked, parseLocator, first, boolDim, intDim, tcError } = require('./locator');
const { parseTcDate } = require('./dates');

const BUILD_DIMENSIONS = ['id', 'number', 'buildType', 'project', 'affectedProject', 'state', 'running', 'status',
  'personal', 'canceled', 'failedToStart', 'composite', 'history', 'branch', 'revision', 'sinceBuild', 'sinceDate',
  'untilDate', 'startDate', 'finishDate', 'queuedDate', 'snapshotDependency', 'defaultFilter', 'count', 'start', 'lookupLimit'];
const QUEUE_DIMENSIONS = ['id', 'buildType', 'project', 'affectedProject', 'count', 'start', 'lookupLimit'];
const DEFAULT_PAGE = 100;
const DEFAULT_LOOKUP = 5000;

// Parses a nested "(id:X)" / "X" reference and returns X (or the named dim).
function refValue(text, dim = 'id') {
  const loc = parseLocator(text);
  if (loc.single !== null) return loc.single;
  return first(loc, dim);
}

function stateSet(loc, applyDefaults) {
  const st = first(loc, 'state');
  if (st !== undefined) {
    const s = st.toLowerCase();
    if (s === 'any') return new Set(['queued', 'running', 'finished']);
    const parts = s.split(/[^a-z]+/).filter(Boolean);
    if (!parts.length || parts.some((p) => !['queued', 'running', 'finished'].includes(p))) {
      throw tcError(400, `Invalid value of dimension 'state': '${st}'. Supported values are: [queued, running, finished, any]`);
    }
    return new Set(parts);
  }
  const running = boolDim(loc, 'running');
  if (running === true) return new Set(['running']);
  if (running === false) return new Set(['finished']);
  if (running === null) return new Set(['running', 'finished']);
  return applyDefaults ? new Set(['finished']) : new Set(['queued', 'running', 'finished']);
}

function dateDim(text, server, kind) {
  const loc = parseLocator(text);
  let condition = 'after';
  let ref;
  if (loc.single !== null) ref = parseDateOr400(loc.single);
  else {
    condition = (first(loc, 'condition') || 'after').toLowerCase();
    if (first(loc, 'date') !== undefined) ref = parseDateOr400(first(loc, 'date'));
    else if (first(loc, 'build') !== undefined) {
      const b = server.builds.get(Number(refValue(first(loc, 'build'))));
      if (!b) throw tcError(404, `No build found by locator '${first(loc, 'build')}'.`);
      ref = b[kind];
    } else throw tcError(400, `Invalid ${kind} locator '${text}': 'date' or 'build' is required`);
  }
  if (!['after', 'before', 'equals'].includes(condition)) throw tcError(400, `Unsupported condition '${condition}'`);
  return (b) => {
    const t = b[kind];
    if (t === null || t === undefined || ref === null || ref === undefined) return false;
    return condition === 'after' ? t > ref : condition === 'before' ? t < ref : t === ref;
  };
}

function parseDateOr400(text) {
  const ms = parseTcDate(text);
  if (ms === null) throw tcError(400, `Could not parse date from value '${text}'. Supported format example: 20240131T101500+0000`);
  return ms;
}

function boolFilter(loc, name, get, dflt) {
  const v = boolDim(loc, name);
  const want = v === undefined ? dflt : v;
  if (want === undefined || want === null) return null;
  return (b) => get(b) === want;
}

function branchFilter(outer, applyDefaults, server) {
  const entry = outer.dims.get('branch');
  const defaultName = server.cfg.defaultBranch || 'main';
  if (!entry) return applyDefaults ? (b) => b.branchName === null || b.defaultBranch : null;
  const { value, b64 } = entry[0];
  // A $base64-escaped value is taken literally; otherwise it may be a nested locator.
  const literal = b64 ? value : null;
  let loc = null;
  if (literal === null) {
    try { loc = parseLocator(value); } catch { loc = { single: value, dims: new Map(), order: [] }; }
  }
  if (literal !== null || loc.single !== null) {
    const name = literal !== null ? literal : loc.single;
    if (name === '<default>') return (b) => b.branchName === null || b.defaultBranch;
    if (name === '<any>') return null;
    return (b) => b.branchName === name || (name === defaultName && b.defaultBranch);
  }
  const preds = [];
  const dflt = boolDim(loc, 'default');
  if (dflt === true) preds.push((b) => b.branchName === null || b.defaultBranch);
  if (dflt === false) preds.push((b) => b.branchName !== null && !b.defaultBranch);
  const unspecified = boolDim(loc, 'unspecified');
  if (unspecified === true) preds.push((b) => b.branchName === null);
  if (unspecified === false) preds.push((b) => b.branchName !== null);
  const nameEntry = loc.dims.get('name');
  if (nameEntry) {
    let target = nameEntry[0].value;
    let matchType = 'equals';
    if (!nameEntry[0].b64 && nameEntry[0].raw.startsWith('(')) {
      const inner = parseLocator(target);
      if (inner.single === null) {
        target = first(inner, 'value');
        matchType = (first(inner, 'matchType') || 'equals').toLowerCase();
      }
    }
    const test = {
      equals: (n) => n === target,
      'starts-with': (n) => n.startsWith(target),
      'ends-with': (n) => n.endsWith(target),
      contains: (n) => n.includes(target),
      matches: (n) => new RegExp(target).test(n),
    }[matchType];
    if (!test) throw tcError(400, `Unsupported matchType '${matchType}'`);
    preds.push((b) => (target === '<default>' ? b.defaultBranch : b.branchName !== null && test(b.branchName)));
  }
  return preds.length ? (b) => preds.every((p) => p(b)) : null;
}

function typeFilter(server, text, visibleType) {
  const loc = parseLocator(text);
  let ids;
  if (loc.single !== null) ids = server.buildTypes.has(loc.single) ? [loc.single] : [];
  else {
    const id = first(loc, 'id');
    const internalId = first(loc, 'internalId');
    const name = first(loc, 'name');
    ids = [...server.buildTypes.values()].filter((bt) => (id === undefined || bt.id === id)
      && (internalId === undefined || bt.internalId === internalId) && (name === undefined || bt.name === name)).map((bt) => bt.id);
  }
  ids = ids.filter((id) => visibleType(server.buildTypes.get(id)));
  if (!ids.length) throw tcError(404, `No build types found by locator '${text}'.`);
  const set = new Set(ids);
  return (b) => set.has(b.buildTypeId);
}

function projectId(server, text, principal) {
  const id = refValue(text);
  if (!server.projects.has(id) || (principal.visible && !principal.visible.has(id))) {
    throw tcError(404, `No project found by locator '${text}'.`);
  }
  return id;
}

function snapshotFilter(server, text) {
  const loc = parseLocator(text);
  const includeInitial = boolDim(loc, 'includeInitial') === true;
  const recursive = boolDim(loc, 'recursive') !== false;
  const walk = (startId, next) => {
    const out = new Set();
    let frontier = [startId];
    while (frontier.length) {
      const nxt = [];
      for (const id of frontier) {
        for (const d of next(id)) if (!out.has(d)) { out.add(d); if (recursive) nxt.push(d); }
      }
      frontier = nxt;
    }
    return out;
  };
  let set;
  let startId;
  if (first(loc, 'to') !== undefined) {
    startId = Number(refValue(first(loc, 'to')));
    set = walk(startId, (id) => (server.builds.get(id) ? server.builds.get(id).snapshotDeps : []));
  } else if (first(loc, 'from') !== undefined) {
    startId = Number(refValue(first(loc, 'from')));
    const downstream = (id) => [...server.builds.values()].filter((b) => b.snapshotDeps.includes(id)).map((b) => b.id);
    set = walk(startId, downstream);
  } else throw tcError(400, "snapshotDependency needs 'to' or 'from'");
  if (includeInitial) set.add(startId);
  return (b) => set.has(b.id);
}

// Compiles a build locator into { pred, states, count, start, lookupLimit, byId }.
function compileBuildLocator(server, text, principal, { queueOnly = false } = {}) {
  const loc = parseChecked(text, queueOnly ? QUEUE_DIMENSIONS : BUILD_DIMENSIONS);
  const visibleType = (bt) => !!bt && (!principal.visible || principal.visible.has(bt.projectId));
  const visible = (b) => visibleType(server.buildTypes.get(b.buildTypeId));
  if (loc.single !== null) {
    if (!/^\d+$/.test(loc.single)) throw tcError(400, `Invalid single value: '${loc.single}'. Should be a number.`);
    return { byId: Number(loc.single), visible, loc };
  }
  const id = intDim(loc, 'id');
  const defaultFilter = boolDim(loc, 'defaultFilter');
  const applyDefaults = defaultFilter !== false && id === undefined && !queueOnly;
  const states = queueOnly ? new Set(['queued']) : stateSet(loc, applyDefaults);
  const onlyActive = !states.has('finished');
  const hasSnapshot = loc.dims.has('snapshotDependency');
  const flagDefaults = applyDefaults && !onlyActive;
  const preds = [];
  const add = (p) => { if (p) preds.push(p); };

  if (id !== undefined) add((b) => b.id === id);
  if (first(loc, 'number') !== undefined) { const n = first(loc, 'number'); add((b) => b.number === n); }
  if (first(loc, 'status') !== undefined) { const s = first(loc, 'status').toUpperCase(); add((b) => b.status === s); }
  if (first(loc, 'buildType') !== undefined) add(typeFilter(server, first(loc, 'buildType'), visibleType));
  if (first(loc, 'affectedProject') !== undefined) {
    const set = server.subtreeBuildTypes(projectId(server, first(loc, 'affectedProject'), principal));
    add((b) => set.has(b.buildTypeId));
  }
  if (first(loc, 'project') !== undefined) {
    const pid = projectId(server, first(loc, 'project'), principal);
    add((b) => server.buildTypes.get(b.buildTypeId).projectId === pid);
  }
  add(boolFilter(loc, 'personal', (b) => b.personal, flagDefaults ? false : undefined));
  add(boolFilter(loc, 'canceled', (b) => !!b.canceled, flagDefaults ? false : undefined));
  add(boolFilter(loc, 'failedToStart', (b) => b.failedToStart, flagDefaults ? false : undefined));
  add(boolFilter(loc, 'composite', (b) => server.buildTypes.get(b.buildTypeId).type === 'composite', undefined));
  add(boolFilter(loc, 'history', (b) => b.history, undefined));
  add(branchFilter(loc, flagDefaults && !hasSnapshot, server));
  if (first(loc, 'revision') !== undefined) { const v = refValue(first(loc, 'revision'), 'version'); add((b) => b.revision === v); }
  if (first(loc, 'sinceBuild') !== undefined) add(sinceBuildFilter(server, first(loc, 'sinceBuild')));
  if (first(loc, 'sinceDate') !== undefined) {
    const d = parseDateOr400(first(loc, 'sinceDate'));
    add((b) => buildTime(b) > d);
  }
  if (first(loc, 'untilDate') !== undefined) {
    const d = parseDateOr400(first(loc, 'untilDate'));
    add((b) => buildTime(b) < d);
  }
  for (const [dim, kind] of [['startDate', 'startDate'], ['finishDate', 'finishDate'], ['queuedDate', 'queuedDate']]) {
    if (first(loc, dim) !== undefined) add(dateDim(first(loc, dim), server, kind));
  }
  if (hasSnapshot) add(snapshotFilter(server, first(loc, 'snapshotDependency')));

  const count = intDim(loc, 'count') ?? DEFAULT_PAGE;
  const start = intDim(loc, 'start') ?? 0;
  let lookupLimit = intDim(loc, 'lookupLimit') ?? DEFAULT_LOOKUP;
  if (intDim(loc, 'lookupLimit') === undefined && count > lookupLimit) lookupLimit = count;
  const pred = (b) => {
    if (!states.has(b.state) || !visible(b)) return false;
    for (let i = 0; i < preds.length; i++) if (!preds[i](b)) return false;
    return true;
  };
  if (id !== undefined) {
    // TeamCity finds a build by id directly, in any state, whatever its age: no lookupLimit.
    const match = (b) => visible(b) && preds.every((p) => p(b));
    return { pred, states, count, start, lookupLimit, loc, byId: id, visible: match };
  }
  return { pred, states, count, start, lookupLimit, loc, byId: null, visible };
}

// A build's "time" for sinceBuild/sinceDate/untilDate is its start date, or its
// queued date when it never started (canceled in the queue); queued builds are
// always newer than any cut-off.
function buildTime(b) {
  return b.state === 'queued' ? Infinity : (b.startDate ?? b.queuedDate);
}

function sinceBuildFilter(server, text) {
  const id = Number(refValue(text));
  if (!Number.isFinite(id)) throw tcError(400, `Invalid sinceBuild locator '${text}'`);
  const ref = server.builds.get(id);
  if (!ref || ref.state === 'queued' || ref.startDate === null) return (b) => b.id > id;
  return (b) => buildTime(b) > ref.startDate || (buildTime(b) === ref.startDate && b.id !== ref.id);
}

// Runs a compiled locator over the server's ordered builds.
function runQuery(server, q) {
  if (q.byId !== null && q.byId !== undefined) {
    const b = server.builds.get(q.byId);
    const items = b && q.visible(b) ? [b] : [];
    return { items, start: null, count: null, lookupLimit: null, limitReached: false };
  }
  const all = server.orderedBuilds();
  const items = [];
  let processed = 0;
  let matched = 0;
  let limitReached = false;
  const end = q.start + q.count;
  for (let i = 0; i < all.length; i++) {
    const b = all[i];
    if (!q.states.has(b.state)) continue; // other states live in other segments of the history
    if (matched >= end) break;
    if (processed >= q.lookupLimit) { limitReached = true; break; }
    processed++;
    if (!q.pred(b)) continue;
    if (matched >= q.start) items.push(b);
    matched++;
  }
  return { items, start: q.start, count: q.count, lookupLimit: q.lookupLimit, limitReached };
}

module.exports = { compileBuildLocator, runQuery, BUILD_DIMENSIONS, QUEUE_DIMENSIONS, DEFAULT_PAGE };
