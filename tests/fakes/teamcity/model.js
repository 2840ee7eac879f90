'use strict';
// One fake TeamCity server: projects, build configurations, builds, changes,
// credentials, plus the state transitions the control API drives (queue ->
// run -> finish, cancel, status change, delete). Build lists are served from
// an ordering cache rebuilt only after a change.
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');
const { extractKeys, parseKeyParameter, sortKeys } = require('./issue-keys');

const STATE_RANK = { queued: 0, running: 1, finished: 2 };

class TcServer {
  constructor(cfg) {
    this.name = cfg.name;
    this.cfg = cfg;
    this.origin = null;
    this.internalId = cfg.internalId || uuidFrom(`${cfg.name}:${cfg.seed}`);
    this.createdAt = Date.now();
    this.clockOffsetMs = Number(cfg.clockOffsetSeconds || 0) * 1000;
    this.tzOffsetMinutes = Number(cfg.timezoneOffsetMinutes || 0);
    this.version = cfg.version || '2025.07 (build 197242)';
    this.guest = !!cfg.guest;
    this.guestProjects = cfg.guestProjects || null;
    this.tokens = new Map();
    this.users = new Map();
    this.issueProjects = new Set((cfg.issueProjects || ['ABC', 'DEMO']).map((p) => p.toUpperCase()));
    this.relatedIssues = !!cfg.relatedIssues;
    this.issueTrackerUrl = cfg.issueTrackerUrl || 'https://example.atlassian.net';
    this.projects = new Map();
    this.buildTypes = new Map();
    this.vcsRoots = new Map(); // top-level project id -> vcs root
    this.agents = [];
    this.builds = new Map();
    this.changes = new Map();
    this.nextBuildId = 1000;
    this.nextChangeId = 500;
    this.ordered = null; // cached list order: queued (queue order), running, finished (newest first)
    this.subtreeCache = new Map();
    for (const t of normalizeTokens(cfg)) this.tokens.set(t.value, t);
    for (const [user, pw] of Object.entries(cfg.users || {})) {
      this.users.set(user, typeof pw === 'string' ? { password: pw, projects: null } : { password: pw.password, projects: pw.projects || null });
    }
  }

  get rootUrl() {
    return this.cfg.rootUrl || `${this.origin}/tc/${this.name}`;
  }

  // Whole seconds: TeamCity shows second precision, so tests can compare exactly.
  now() {
    return Math.floor((Date.now() + this.clockOffsetMs) / 1000) * 1000;
  }

  touch(build) {
    build.version += 1;
    this.ordered = null;
  }

  orderedBuilds() {
    if (!this.ordered) {
      this.ordered = [...this.builds.values()].sort((a, b) => {
        const r = STATE_RANK[a.state] - STATE_RANK[b.state];
        if (r !== 0) return r;
        return a.state === 'queued' ? a.id - b.id : b.id - a.id;
      });
    }
    return this.ordered;
  }

  // Build type ids in a project's subtree (the project and all descendants).
  subtreeBuildTypes(projectId) {
    let set = this.subtreeCache.get(projectId);
    if (!set) {
      const projects = this.subtreeProjects(projectId);
      set = new Set([...this.buildTypes.values()].filter((bt) => projects.has(bt.projectId)).map((bt) => bt.id));
      this.subtreeCache.set(projectId, set);
    }
    return set;
  }

  subtreeProjects(projectId) {
    const out = new Set([projectId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of this.projects.values()) {
        if (!out.has(p.id) && out.has(p.parentProjectId)) { out.add(p.id); grew = true; }
      }
    }
    return out;
  }

  topProjectOf(projectId) {
    let p = this.projects.get(projectId);
    while (p && p.parentProjectId && p.parentProjectId !== '_Root') p = this.projects.get(p.parentProjectId);
    return p ? p.id : projectId;
  }

  // ---- control-side mutations -------------------------------------------

  buildOr404(id) {
    const b = this.builds.get(Number(id));
    if (!b) throw new HttpError(404, { error: `no build ${id} on server ${this.name}` });
    return b;
  }

  addBuild(spec) {
    const bt = this.buildTypes.get(spec.buildTypeId);
    if (!bt) throw new HttpError(400, { error: `unknown buildTypeId ${spec.buildTypeId}` });
    const state = spec.state || 'queued';
    if (!STATE_RANK.hasOwnProperty(state)) throw new HttpError(400, { error: 'state must be queued, running or finished' });
    const now = this.now();
    const changeIds = [];
    for (const c of spec.changes || []) {
      const ch = typeof c === 'string' ? { comment: c } : c;
      const id = this.nextChangeId++;
      this.changes.set(id, {
        id,
        version: ch.version || crypto.createHash('sha1').update(`${this.name}:${id}`).digest('hex'),
        username: ch.username || 'alice',
        date: ch.date ? Date.parse(ch.date) : now - 60000,
        comment: ch.comment || '',
        files: ch.files === undefined ? 1 : Number(ch.files),
        vcsRootId: this.vcsRoots.get(this.topProjectOf(bt.projectId)).id,
      });
      changeIds.unshift(id); // newest first
    }
    const branchName = spec.branch === undefined ? this.cfg.defaultBranch || 'main' : spec.branch;
    const build = newBuild({
      id: this.nextBuildId++,
      buildTypeId: bt.id,
      branchName,
      defaultBranch: spec.defaultBranch !== undefined ? !!spec.defaultBranch : branchName === (this.cfg.defaultBranch || 'main'),
      personal: !!spec.personal,
      queuedDate: now,
      changeIds,
      properties: Object.entries(spec.params || {}).map(([name, value]) => ({ name, value: String(value) })),
      triggered: { type: spec.personal ? 'user' : (changeIds.length ? 'vcs' : 'user'), details: changeIds.length ? 'jetbrains.git' : undefined, date: now, user: changeIds.length ? null : { username: 'alice', name: 'Alice Example', id: 1 } },
      plannedStatus: spec.finishStatus || null,
      snapshotDeps: (spec.snapshotDependencies || []).map(Number),
      tests: spec.tests || null,
      revision: changeIds.length ? this.changes.get(changeIds[0]).version : crypto.createHash('sha1').update(`${this.name}:rev:${now}`).digest('hex'),
    });
    if (bt.type === 'deployment' && build.snapshotDeps.length === 0) {
      const up = this.latestUpstream(bt, build);
      if (up) build.snapshotDeps = [up.id];
    }
    build.intended = this.intendedFor(build, spec.intendedIssueKeys);
    this.builds.set(build.id, build);
    this.ordered = null;
    if (state === 'running' || state === 'finished') this.startBuild(build.id);
    if (state === 'finished') this.finishBuild(build.id, { status: spec.status || 'SUCCESS', statusText: spec.statusText });
    return build;
  }

  // Latest finished successful build of the deployment's upstream configuration.
  latestUpstream(bt, build) {
    const upstreamType = bt.snapshotDeps[0];
    if (!upstreamType) return null;
    let best = null;
    for (const b of this.builds.values()) {
      if (b.buildTypeId !== upstreamType || b.state !== 'finished' || b.status !== 'SUCCESS' || b.canceled || b.personal) continue;
      if (b.branchName !== build.branchName) continue;
      if (!best || b.id > best.id) best = b;
    }
    return best;
  }

  // Intended keys by the reference rule (issue-keys.js) unless given explicitly.
  intendedFor(build, explicit) {
    const bt = this.buildTypes.get(build.buildTypeId);
    const param = build.properties.find((p) => p.name === 'jira.issueKeys');
    const branch = extractKeys(build.branchName || '', this.issueProjects);
    const commits = build.changeIds.flatMap((id) => extractKeys(this.changes.get(id).comment, this.issueProjects));
    const upstream = bt.type === 'deployment'
      ? build.snapshotDeps.flatMap((id) => (this.builds.get(id) ? this.builds.get(id).intended.keys : []))
      : [];
    const parameter = param ? parseKeyParameter(param.value) : null;
    const keys = Array.isArray(explicit) ? sortKeys(explicit.map((k) => k.toUpperCase()))
      : sortKeys(parameter || [...branch, ...commits, ...upstream]);
    return { keys, sources: { branch: sortKeys(branch), commits: sortKeys(commits), parameter: parameter && sortKeys(parameter), upstream: sortKeys(upstream) } };
  }

  startBuild(id) {
    const b = this.buildOr404(id);
    if (b.state !== 'queued') throw new HttpError(409, { error: `build ${id} is ${b.state}, not queued` });
    const bt = this.buildTypes.get(b.buildTypeId);
    bt.counter += 1;
    b.number = `${bt.numberPrefix}${bt.counter}`;
    b.state = 'running';
    b.status = 'SUCCESS';
    b.startDate = this.now();
    b.agentId = bt.type === 'composite' ? null : this.agents[b.id % this.agents.length].id;
    b.percentageComplete = 0;
    this.touch(b);
    return b;
  }

  finishBuild(id, { status = null, statusText } = {}) {
    const b = this.buildOr404(id);
    if (b.state !== 'running') throw new HttpError(409, { error: `build ${id} is ${b.state}, not running` });
    const st = (status || b.plannedStatus || (b.status === 'FAILURE' ? 'FAILURE' : 'SUCCESS')).toUpperCase();
    if (!['SUCCESS', 'FAILURE', 'UNKNOWN'].includes(st)) throw new HttpError(400, { error: 'status must be SUCCESS, FAILURE or UNKNOWN' });
    b.state = 'finished';
    b.status = st;
    b.statusText = statusText || (st === 'SUCCESS' ? 'Success' : 'Build failed');
    b.finishDate = this.now();
    b.finishOnAgentDate = b.finishDate;
    b.percentageComplete = null;
    this.touch(b);
    return b;
  }

  cancelBuild(id, { text = 'Canceled via control API', username = 'admin' } = {}) {
    const b = this.buildOr404(id);
    if (b.state === 'finished') throw new HttpError(409, { error: `build ${id} already finished` });
    const now = this.now();
    b.canceled = { username, name: username, userId: 1, timestamp: now, text };
    if (b.state === 'running') b.finishDate = now;
    b.state = 'finished';
    b.status = 'UNKNOWN';
    b.statusText = `Canceled (${text})`;
    b.percentageComplete = null;
    this.touch(b);
    return b;
  }

  setStatus(id, { status, statusText }) {
    const b = this.buildOr404(id);
    if (b.state !== 'finished') throw new HttpError(409, { error: `build ${id} is not finished` });
    if (b.failedToStart) throw new HttpError(409, { error: 'status of a failed-to-start build cannot be changed' });
    const st = String(status || '').toUpperCase();
    if (st !== 'SUCCESS' && st !== 'FAILURE') throw new HttpError(400, { error: 'status must be SUCCESS or FAILURE' });
    b.status = st;
    b.statusText = statusText || (st === 'SUCCESS' ? 'Success (status changed manually)' : 'Failed (status changed manually)');
    this.touch(b);
    return b;
  }

  deleteBuild(id) {
    this.buildOr404(id);
    this.builds.delete(Number(id));
    this.ordered = null;
  }

  // Deterministic simulation step: builds running at the start of the tick
  // finish (planned status or SUCCESS), then queued ones start, in id order.
  tick() {
    const running = [...this.builds.values()].filter((b) => b.state === 'running').sort((a, b) => a.id - b.id);
    const queued = [...this.builds.values()].filter((b) => b.state === 'queued').sort((a, b) => a.id - b.id);
    for (const b of running) this.finishBuild(b.id, {});
    for (const b of queued) this.startBuild(b.id);
    return { finished: running.map((b) => b.id), started: queued.map((b) => b.id) };
  }
}

function newBuild(fields) {
  return {
    number: null, state: 'queued', status: null, statusText: null, failedToStart: false, canceled: null,
    startDate: null, finishDate: null, finishOnAgentDate: null, agentId: null, tests: null, history: false,
    pinned: false, percentageComplete: null, version: 0, intended: null, plannedStatus: null, snapshotDeps: [],
    properties: [], changeIds: [], ...fields,
  };
}

function normalizeTokens(cfg) {
  const out = [];
  if (cfg.token) out.push({ value: cfg.token, projects: null, noParameters: false, revoked: false });
  for (const t of cfg.tokens || []) {
    const v = typeof t === 'string' ? { value: t } : t;
    out.push({ value: v.value, projects: v.projects || null, noParameters: !!v.noParameters, revoked: false });
  }
  return out;
}

function uuidFrom(text) {
  const h = crypto.createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

module.exports = { TcServer, newBuild };
