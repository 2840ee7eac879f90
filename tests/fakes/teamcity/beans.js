'use strict';
// Field lists ("beans") of the TeamCity REST entities, in TeamCity's order,
// each field tagged S (short+long form), L (long form) or H (only on request).
// Getters receive (entity, ctx, childSpec); ctx carries the server, the auth
// prefix of the request (/httpAuth, /guestAuth or '') and the principal.
const { field: f } = require('./render');
const { formatTcDate } = require('./dates');
const { parseLocator, first } = require('./locator');

const date = (ms, ctx) => formatTcDate(ms, ctx.server.tzOffsetMinutes);
const rest = (ctx, path) => `${ctx.prefix}/app/rest/${path}`;
const hrefOnly = [f('href', 'S', (e) => e.href)];

const user = [
  f('username', 'S', (u) => u.username),
  f('name', 'S', (u) => u.name),
  f('id', 'S', (u) => u.id),
  f('href', 'S', (u, ctx) => (u.id ? rest(ctx, `users/id:${u.id}`) : null)),
];

const projectShort = () => project;
const project = [
  f('id', 'S', (p) => p.id),
  f('internalId', 'H', (p) => p.internalId),
  f('name', 'S', (p) => p.name),
  f('parentProjectId', 'S', (p) => p.parentProjectId),
  f('description', 'S', (p) => p.description || null),
  f('archived', 'S', (p) => p.archived),
  f('href', 'S', (p, ctx) => rest(ctx, `projects/id:${p.id}`)),
  f('webUrl', 'S', (p, ctx) => `${ctx.server.rootUrl}/project/${p.id}`),
  f('parentProject', 'L', (p, ctx) => (p.parentProjectId ? ctx.server.projects.get(p.parentProjectId) : null), { bean: projectShort }),
  f('buildTypes', 'L', (p, ctx) => ({ list: [...ctx.server.buildTypes.values()].filter((bt) => bt.projectId === p.id && ctx.visibleType(bt)) }), { bean: () => buildTypeList }),
];

const property = [
  f('name', 'S', (p) => p.name),
  f('value', 'S', (p) => p.value),
  f('own', 'S', (p) => p.own || null),
];
const properties = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('property', 'S', (e) => e.list, { bean: property, list: true }),
];

const buildType = [
  f('id', 'S', (bt) => bt.id),
  f('internalId', 'H', (bt) => bt.internalId),
  f('name', 'S', (bt) => bt.name),
  f('description', 'S', (bt) => bt.description || null),
  f('projectName', 'S', (bt, ctx) => projectPath(ctx.server, bt.projectId)),
  f('projectId', 'S', (bt) => bt.projectId),
  f('projectInternalId', 'H', (bt, ctx) => ctx.server.projects.get(bt.projectId).internalId),
  f('paused', 'L', (bt) => bt.paused, { keep: true }),
  f('type', 'H', (bt) => bt.type),
  f('href', 'S', (bt, ctx) => rest(ctx, `buildTypes/id:${bt.id}`)),
  f('webUrl', 'S', (bt, ctx) => `${ctx.server.rootUrl}/buildConfiguration/${bt.id}`),
  f('project', 'L', (bt, ctx) => ctx.server.projects.get(bt.projectId), { bean: projectShort }),
  f('settings', 'L', (bt) => ({ list: [{ name: 'buildConfigurationType', value: bt.type.toUpperCase() }, { name: 'buildNumberCounter', value: String(bt.counter + 1) }] }), { bean: properties }),
  f('parameters', 'L', (bt) => ({ list: bt.environment ? [{ name: 'deploy.environment', value: bt.environment.name, own: true }] : [] }), { bean: properties }),
  f('snapshot-dependencies', 'L', (bt, ctx) => ({ list: bt.snapshotDeps.map((id) => ({ id, source: ctx.server.buildTypes.get(id) })) }), { bean: () => snapshotDepDefs }),
  f('builds', 'L', (bt, ctx) => ({ href: rest(ctx, `buildTypes/id:${bt.id}/builds/`) }), { bean: hrefOnly }),
];
const snapshotDepDef = [
  f('id', 'S', (d) => d.id),
  f('type', 'S', () => 'snapshot_dependency'),
  f('source-buildType', 'S', (d) => d.source, { bean: buildType }),
];
const snapshotDepDefs = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('snapshot-dependency', 'S', (e) => e.list, { bean: snapshotDepDef, list: true }),
];
const buildTypeList = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('href', 'S', (e) => e.href || null),
  f('buildType', 'S', (e) => e.list, { bean: buildType, list: true }),
];

const vcsRootInstance = [
  f('id', 'S', (v) => v.instanceId),
  f('vcs-root-id', 'S', (v) => v.id),
  f('name', 'S', (v) => v.name),
  f('href', 'S', (v, ctx) => rest(ctx, `vcs-root-instances/id:${v.instanceId}`)),
];
const vcsRootInstanceCamel = vcsRootInstance; // same fields; key spelled vcsRootInstance in changes

const fileEntry = [
  f('before-revision', 'S', (x) => x.before),
  f('after-revision', 'S', (x) => x.after),
  f('changeType', 'S', () => 'edited'),
  f('file', 'S', (x) => x.file),
  f('relative-file', 'S', (x) => x.file),
];
const files = [
  f('count', 'S', (e) => e.change.files, { keep: true }),
  f('file', 'L', (e) => fileList(e.change), { bean: fileEntry, list: true }),
];

const change = [
  f('id', 'S', (c) => c.id),
  f('version', 'S', (c) => c.version),
  f('internalVersion', 'H', (c) => c.version),
  f('username', 'S', (c) => c.username),
  f('date', 'S', (c, ctx) => date(c.date, ctx)),
  f('registrationDate', 'H', (c, ctx) => date(c.date + 30000, ctx)),
  f('personal', 'S', () => false),
  f('href', 'S', (c, ctx) => rest(ctx, `changes/id:${c.id}`)),
  f('webUrl', 'S', (c, ctx) => `${ctx.server.rootUrl}/change/${c.id}?personal=false`),
  f('comment', 'L', (c) => c.comment),
  f('files', 'L', (c) => ({ change: c }), { bean: files }),
  f('vcsRootInstance', 'L', (c, ctx) => vcsRootById(ctx.server, c.vcsRootId), { bean: vcsRootInstanceCamel }),
];
const changeList = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('href', 'S', (e) => e.href || null),
  f('nextHref', 'S', (e) => e.nextHref || null),
  f('prevHref', 'S', (e) => e.prevHref || null),
  f('change', 'S', (e) => e.list, { bean: change, list: true }),
];

// A build's "changes" node: {href} by default; count / inline list on request.
// $locator(count:N,start:M) limits the inline list.
const buildChanges = [
  f('count', 'L', (e) => e.build.changeIds.length),
  f('href', 'S', (e, ctx) => rest(ctx, `changes?locator=build:(id:${e.build.id})`)),
  f('change', 'L', (e, ctx, spec) => changesOf(ctx.server, e.build, e.locator), { bean: change, list: true }),
];

const revision = [
  f('version', 'S', (r) => r.version),
  f('vcsBranchName', 'S', (r) => r.vcsBranchName),
  f('vcs-root-instance', 'S', (r) => r.root, { bean: vcsRootInstance }),
];
const revisions = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('revision', 'S', (e) => e.list, { bean: revision, list: true }),
];

const agent = [
  f('id', 'S', (a) => a.id),
  f('name', 'S', (a) => a.name),
  f('typeId', 'S', (a) => a.typeId),
  f('href', 'S', (a, ctx) => rest(ctx, `agents/id:${a.id}`)),
  f('webUrl', 'S', (a, ctx) => `${ctx.server.rootUrl}/agent/${a.id}`),
];

const triggered = [
  f('type', 'S', (t) => t.type),
  f('details', 'S', (t) => t.details || null),
  f('date', 'S', (t, ctx) => date(t.date, ctx)),
  f('displayText', 'H', (t) => (t.type === 'vcs' ? 'Git' : t.type === 'schedule' ? 'Schedule trigger' : t.user ? t.user.name : t.type)),
  f('user', 'S', (t) => t.user || null, { bean: user }),
];

const canceledInfo = [
  f('user', 'S', (c) => ({ username: c.username, name: c.name, id: c.userId }), { bean: user }),
  f('timestamp', 'S', (c, ctx) => date(c.timestamp, ctx)),
  f('text', 'S', (c) => c.text || null),
];

const runningInfo = [
  f('percentageComplete', 'S', (b) => b.percentageComplete || 0, { keep: true }),
  f('elapsedSeconds', 'S', (b, ctx) => Math.max(0, Math.round((ctx.server.now() - b.startDate) / 1000)), { keep: true }),
  f('estimatedTotalSeconds', 'S', () => 600, { keep: true }),
  f('leftSeconds', 'H', (b, ctx) => Math.max(0, 600 - Math.round((ctx.server.now() - b.startDate) / 1000))),
  f('currentStageText', 'S', () => 'Step 2/3: Gradle'),
  f('outdated', 'S', () => false, { keep: true }),
  f('probablyHanging', 'S', () => false, { keep: true }),
];

const tests = [
  f('count', 'S', (t) => t.count),
  f('href', 'S', (t, ctx) => rest(ctx, `testOccurrences?locator=build:(id:${t.buildId})`)),
  f('passed', 'S', (t) => t.passed),
  f('failed', 'S', (t) => t.failed),
  f('newFailed', 'S', (t) => t.newFailed),
  f('ignored', 'S', (t) => t.ignored),
  f('muted', 'S', (t) => t.muted),
];

const issue = [
  f('id', 'S', (i) => i.id),
  f('url', 'S', (i) => i.url),
];
const issueUsage = [
  f('issue', 'S', (u) => u.issue, { bean: issue }),
  f('changes', 'S', (u) => ({ list: u.changes }), { bean: () => changeList }),
];
const relatedIssues = [
  f('href', 'S', (e, ctx) => rest(ctx, `builds/id:${e.build.id}/relatedIssues`)),
  f('issueUsage', 'L', (e, ctx) => relatedIssuesOf(ctx.server, e.build), { bean: issueUsage, list: true }),
];

const buildShortRef = () => build;
const snapshotDeps = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('build', 'S', (e) => e.list, { bean: buildShortRef, list: true }),
];

const build = [
  f('id', 'S', (b) => b.id),
  f('taskId', 'H', (b) => b.id),
  f('buildTypeId', 'S', (b) => b.buildTypeId),
  f('buildTypeInternalId', 'H', (b, ctx) => ctx.server.buildTypes.get(b.buildTypeId).internalId),
  f('number', 'S', (b) => b.number),
  f('status', 'S', (b) => b.status),
  f('state', 'S', (b) => b.state),
  f('running', 'S', (b) => b.state === 'running'),
  f('composite', 'S', (b, ctx) => ctx.server.buildTypes.get(b.buildTypeId).type === 'composite'),
  f('failedToStart', 'S', (b) => b.failedToStart),
  f('personal', 'S', (b) => b.personal),
  f('percentageComplete', 'S', (b) => (b.state === 'running' ? b.percentageComplete || 0 : null)),
  f('branchName', 'S', (b) => b.branchName),
  f('defaultBranch', 'S', (b) => (b.branchName === null ? null : b.defaultBranch)),
  f('unspecifiedBranch', 'S', (b) => b.branchName === null),
  f('history', 'S', (b) => b.history),
  f('pinned', 'L', (b) => b.pinned),
  f('href', 'S', (b, ctx) => rest(ctx, b.state === 'queued' ? `buildQueue/id:${b.id}` : `builds/id:${b.id}`)),
  f('webUrl', 'S', (b, ctx) => (b.state === 'queued' ? `${ctx.server.rootUrl}/viewQueued.html?itemId=${b.id}` : `${ctx.server.rootUrl}/buildConfiguration/${b.buildTypeId}/${b.id}`)),
  f('queuePosition', 'S', (b, ctx) => (b.state === 'queued' ? queuePosition(ctx.server, b) : null)),
  f('statusText', 'L', (b) => b.statusText),
  f('buildType', 'L', (b, ctx) => ctx.server.buildTypes.get(b.buildTypeId), { bean: buildType }),
  f('running-info', 'L', (b) => (b.state === 'running' ? b : null), { bean: runningInfo }),
  f('canceledInfo', 'L', (b) => b.canceled, { bean: canceledInfo }),
  f('queuedDate', 'L', (b, ctx) => date(b.queuedDate, ctx)),
  f('startDate', 'L', (b, ctx) => date(b.startDate, ctx)),
  f('finishDate', 'L', (b, ctx) => date(b.finishDate, ctx)),
  f('finishOnAgentDate', 'S', (b, ctx) => date(b.finishOnAgentDate, ctx)),
  f('startEstimate', 'L', (b, ctx) => (b.state === 'queued' ? date(b.queuedDate + 120000, ctx) : null)),
  f('waitReason', 'L', (b) => (b.state === 'queued' ? 'Waiting for a compatible agent' : null)),
  f('triggered', 'L', (b) => b.triggered, { bean: triggered }),
  f('lastChanges', 'L', (b, ctx) => (b.changeIds.length ? { list: [ctx.server.changes.get(b.changeIds[0])] } : null), { bean: changeList }),
  f('changes', 'L', (b, ctx, spec) => ({ build: b, locator: spec && spec.locator }), { bean: buildChanges }),
  f('revisions', 'L', (b, ctx) => ({ list: revisionsOf(ctx.server, b) }), { bean: revisions }),
  f('agent', 'L', (b, ctx) => (b.agentId ? ctx.server.agents.find((a) => a.id === b.agentId) : null), { bean: agent }),
  f('testOccurrences', 'L', (b) => (b.tests ? { ...b.tests, buildId: b.id } : null), { bean: tests }),
  f('artifacts', 'L', (b, ctx) => ({ href: rest(ctx, `builds/id:${b.id}/artifacts/children`) }), { bean: hrefOnly }),
  f('relatedIssues', 'L', (b) => ({ build: b }), { bean: relatedIssues }),
  f('properties', 'L', (b, ctx) => (ctx.principal.noParameters ? null : { list: b.properties }), { bean: properties }),
  f('statistics', 'L', (b, ctx) => ({ href: rest(ctx, `builds/id:${b.id}/statistics`) }), { bean: hrefOnly }),
  f('snapshot-dependencies', 'L', (b, ctx) => (b.snapshotDeps.length ? { list: b.snapshotDeps.map((id) => ctx.server.builds.get(id)).filter(Boolean) } : null), { bean: snapshotDeps }),
];

const buildList = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('href', 'S', (e) => e.href || null),
  f('nextHref', 'S', (e) => e.nextHref || null),
  f('prevHref', 'S', (e) => e.prevHref || null),
  f('build', 'S', (e) => e.list, { bean: build, list: true, keep: true }),
];

const projectList = [
  f('count', 'S', (e) => e.list.length, { keep: true }),
  f('href', 'S', (e) => e.href || null),
  f('project', 'S', (e) => e.list, { bean: project, list: true }),
];

const serverLinks = ['projects', 'vcsRoots', 'builds', 'users', 'userGroups', 'agents', 'buildQueue', 'agentPools', 'investigations', 'mutes', 'nodes'];
const server = [
  f('version', 'S', (s) => s.version),
  f('versionMajor', 'S', (s) => Number((/^(\d+)/.exec(s.version) || [0, 0])[1])),
  f('versionMinor', 'S', (s) => Number((/^\d+\.(\d+)/.exec(s.version) || [0, 0])[1]), { keep: true }),
  f('startTime', 'S', (s, ctx) => date(s.createdAt + s.clockOffsetMs, ctx)),
  f('currentTime', 'S', (s, ctx) => date(s.now(), ctx)),
  f('buildNumber', 'S', (s) => (/build (\d+)/.exec(s.version) || [0, ''])[1]),
  f('buildDate', 'S', () => '20250701T000000+0000'),
  f('internalId', 'S', (s) => s.internalId),
  f('role', 'S', () => 'main_node'),
  f('webUrl', 'S', (s) => s.rootUrl),
  ...serverLinks.map((name) => f(name, 'S', (s, ctx) => ({ href: rest(ctx, name) }), { bean: hrefOnly })),
];

// ---- helpers --------------------------------------------------------------

function projectPath(server, projectId) {
  const names = [];
  let p = server.projects.get(projectId);
  while (p && p.id !== '_Root') { names.unshift(p.name); p = server.projects.get(p.parentProjectId); }
  return names.join(' / ');
}

function vcsRootById(server, id) {
  for (const v of server.vcsRoots.values()) if (v.id === id) return v;
  return null;
}

function revisionsOf(server, b) {
  if (b.state === 'queued') return [];
  const bt = server.buildTypes.get(b.buildTypeId);
  const root = server.vcsRoots.get(server.topProjectOf(bt.projectId));
  const m = /^(\d+)\/head$|^pull\/(\d+)$/.exec(b.branchName || '');
  const vcsBranchName = b.branchName === null ? null : m ? `refs/pull/${m[1] || m[2]}/head` : `refs/heads/${b.branchName}`;
  return [{ version: b.revision, vcsBranchName, root }];
}

function changesOf(server, b, locatorText) {
  let ids = b.changeIds;
  if (locatorText) {
    try {
      const loc = parseLocator(locatorText);
      const start = Number(first(loc, 'start') || 0);
      const count = first(loc, 'count');
      ids = ids.slice(start, count === undefined ? undefined : start + Number(count));
    } catch { /* an unparsable nested locator is ignored */ }
  }
  const out = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = server.changes.get(ids[i]);
  return out;
}

// TeamCity's own issue detection (only with an issue tracker configured):
// case-sensitive PROJECT-123 for the configured projects, in commit comments.
function relatedIssuesOf(server, b) {
  if (!server.relatedIssues) return [];
  const re = new RegExp(`(?<![A-Za-z0-9])(${[...server.issueProjects].join('|')})-\\d+(?![0-9])`, 'g');
  const byKey = new Map();
  for (const id of b.changeIds) {
    const c = server.changes.get(id);
    for (const m of c.comment.matchAll(re)) {
      if (!byKey.has(m[0])) byKey.set(m[0], []);
      const list = byKey.get(m[0]);
      if (!list.includes(c)) list.push(c);
    }
  }
  return [...byKey].map(([k, changes]) => ({ issue: { id: k, url: `${server.issueTrackerUrl}/browse/${k}` }, changes }));
}

function fileList(c) {
  const out = [];
  for (let i = 0; i < c.files; i++) out.push({ file: `src/module${i % 7}/File${i}.java`, before: `${c.version.slice(0, 8)}~1`, after: c.version });
  return out;
}

function queuePosition(server, b) {
  let n = 0;
  for (const x of server.orderedBuilds()) { if (x.state !== 'queued') break; n++; if (x === b) return n; }
  return null;
}

module.exports = { build, buildList, buildType, buildTypeList, project, projectList, change, changeList, server, relatedIssues, properties, projectPath };
