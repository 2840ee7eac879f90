'use strict';
// The fake TeamCity REST API against the facts in teamcity-rest.md and the fixtures.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTeamCity, raw, control, fixture } = require('./helpers');

const H = { Authorization: 'Bearer tok', Accept: 'application/json' };
let tc;
let base;

test.before(async () => {
  tc = await startTeamCity();
  base = `${tc.origin}/tc/main`;
  const r = await control(tc.origin, 'POST', '/_control/servers', {
    name: 'main', token: 'tok', users: { alice: 'secret' }, seed: 42, builds: 400,
    tokens: [{ value: 'limited', projects: ['Backend'] }, { value: 'noparams', noParameters: true }],
  });
  assert.equal(r.status, 201);
});
test.after(() => tc.close());

const get = async (path, headers = H) => {
  const res = await raw(`${base}${path}`, { headers });
  return { ...res, json: res.body.length && String(res.headers['content-type']).includes('json') ? JSON.parse(res.body) : null };
};

test('401 has the exact TeamCity shape', async () => {
  for (const headers of [{ Accept: 'application/json' }, { Authorization: 'Bearer nope', Accept: 'application/json' }, { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` }]) {
    const r = await get('/app/rest/builds', headers);
    assert.equal(r.status, 401);
    assert.equal(r.headers['content-type'], 'text/plain;charset=UTF-8');
    assert.equal(r.headers['teamcity-node-id'], 'MAIN_SERVER');
    const challenges = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) if (r.rawHeaders[i].toLowerCase() === 'www-authenticate') challenges.push(r.rawHeaders[i + 1]);
    assert.deepEqual(challenges, ['Basic realm="TeamCity"', 'Bearer realm="TeamCity"']);
    assert.deepEqual(r.body.toString().trimEnd().split('\n'), ['Authentication required', 'To login manually go to "/login.html" page']);
  }
});

test('Bearer, Basic user:password, Basic any:token, /httpAuth and /guestAuth', async () => {
  assert.equal((await get('/app/rest/server')).status, 200);
  assert.equal((await get('/app/rest/server', { Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}`, Accept: 'application/json' })).status, 200);
  assert.equal((await get('/app/rest/server', { Authorization: `Basic ${Buffer.from('x:tok').toString('base64')}`, Accept: 'application/json' })).status, 200);
  assert.equal((await get('/httpAuth/app/rest/latest/server')).status, 200);
  assert.equal((await get('/guestAuth/app/rest/server', { Accept: 'application/json' })).status, 401);
  await control(tc.origin, 'POST', '/_control/servers/main/guest', { enabled: true });
  const g = await get('/guestAuth/app/rest/builds?locator=count:2', { Accept: 'application/json' });
  assert.equal(g.status, 200);
  assert.match(g.json.nextHref, /^\/guestAuth\/app\/rest\/builds\?locator=count:2,start:2$/);
  assert.match(g.json.build[0].href, /^\/guestAuth\/app\/rest\/builds\/id:\d+$/);
  await control(tc.origin, 'POST', '/_control/servers/main/guest', { enabled: false });
});

test('JSON only with Accept: application/json, else 406; writes are 403 with the JSON error shape', async () => {
  const r = await get('/app/rest/server', { Authorization: 'Bearer tok' });
  assert.equal(r.status, 406);
  const w = await raw(`${base}/app/rest/builds/id:1000/tags`, { method: 'POST', headers: H, body: '{}' });
  assert.equal(w.status, 403);
  const err = JSON.parse(w.body);
  assert.deepEqual(Object.keys(err), Object.keys(fixture('teamcity/error_403_permission.json')));
  assert.match(err.errors[0].message, /You do not have "Edit project" permission/);
});

test('server bean: modern version, same fields as the 9.x fixture plus newer ones', async () => {
  const r = await get('/app/rest/server');
  assert.equal(r.json.versionMajor, 2025);
  assert.match(r.json.version, /^2025\.07 \(build \d+\)$/);
  for (const k of Object.keys(fixture('teamcity/server.json'))) assert.ok(k in r.json, `missing ${k}`);
  assert.match(r.json.currentTime, /^\d{8}T\d{6}[+-]\d{4}$/);
});

test('default build list: finished, non-canceled, default branch only, newest first; empty list shape', async () => {
  const r = await get('/app/rest/builds?locator=count:1000');
  assert.ok(r.json.count > 0);
  const ctl = await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000');
  const byId = new Map(ctl.json.builds.map((b) => [b.id, b]));
  const ids = r.json.build.map((b) => b.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  for (const b of r.json.build) {
    const v = byId.get(b.id);
    assert.equal(v.state, 'finished');
    assert.equal(v.canceled, false);
    assert.equal(v.failedToStart, false);
    assert.equal(v.personal, false);
    assert.equal(v.defaultBranch, true);
    assert.equal(b.defaultBranch, true);
  }
  const expected = ctl.json.builds.filter((b) => b.state === 'finished' && !b.canceled && !b.failedToStart && !b.personal && b.defaultBranch);
  assert.equal(r.json.count, expected.length);
  const empty = await get('/app/rest/builds?locator=buildType:(id:Backend_Build),number:nope');
  const shape = fixture('teamcity/builds_list_empty.json');
  assert.equal(empty.json.count, shape.count);
  assert.deepEqual(empty.json.build, shape.build);
  // short build keys are those of the 9.x list fixture (plus finishOnAgentDate on modern servers)
  const allowed = new Set([...fixture('teamcity/builds_list_page1_nextHref.json').build.flatMap((b) => Object.keys(b)), 'finishOnAgentDate', 'running', 'percentageComplete', 'personal', 'history', 'composite', 'failedToStart', 'queuePosition']);
  for (const b of r.json.build) for (const k of Object.keys(b)) assert.ok(allowed.has(k), `unexpected short field ${k}`);
});

test('defaultFilter:false returns every state, canceled, failed-to-start and personal builds of all branches', async () => {
  const r = await get('/app/rest/builds?locator=defaultFilter:false,count:1000,lookupLimit:10000');
  const ctl = await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000');
  assert.equal(r.json.count, ctl.json.total);
  const states = r.json.build.map((b) => b.state);
  const firstRunning = states.indexOf('running');
  const firstFinished = states.indexOf('finished');
  assert.ok(states.lastIndexOf('queued') < firstRunning && states.lastIndexOf('running') < firstFinished, 'queued, then running, then finished');
  assert.ok(ctl.json.builds.some((b) => b.canceled) && ctl.json.builds.some((b) => b.failedToStart) && ctl.json.builds.some((b) => b.personal));
});

test('state, canceled, failedToStart, personal, running dimensions', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const count = async (loc) => (await get(`/app/rest/builds?locator=${encodeURIComponent(loc)},count:1000`)).json.count;
  assert.equal(await count('state:queued'), ctl.filter((b) => b.state === 'queued').length);
  assert.equal(await count('state:running,branch:default:any'), ctl.filter((b) => b.state === 'running').length);
  assert.equal(await count('running:true,defaultFilter:false'), ctl.filter((b) => b.state === 'running').length);
  assert.equal(await count('canceled:true,branch:default:any'), ctl.filter((b) => b.canceled && !b.personal && !b.failedToStart).length);
  assert.equal(await count('defaultFilter:false,canceled:true,state:finished'), ctl.filter((b) => b.canceled).length);
  assert.equal(await count('defaultFilter:false,failedToStart:true'), ctl.filter((b) => b.failedToStart).length);
  assert.equal(await count('personal:true,branch:default:any'), ctl.filter((b) => b.personal && b.state === 'finished' && !b.canceled && !b.failedToStart).length);
});

test('branch dimension: names, $base64 escaping, default:false', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const weird = ctl.find((b) => b.branch.includes('('));
  assert.ok(weird, 'generator makes a branch with parentheses');
  const enc = Buffer.from(weird.branch).toString('base64url');
  for (const loc of [`branch:($base64:${enc}),defaultFilter:false`, `branch:(name:($base64:${enc})),defaultFilter:false`, `branch:(name:(value:($base64:${enc}),matchType:equals)),defaultFilter:false`]) {
    const r = await get(`/app/rest/builds?locator=${encodeURIComponent(loc)},count:1000`);
    assert.equal(r.status, 200, loc);
    assert.equal(r.json.count, ctl.filter((b) => b.branch === weird.branch).length, loc);
    assert.ok(r.json.build.every((b) => b.branchName === weird.branch));
  }
  const pr = ctl.find((b) => /^\d+\/head$/.test(b.branch));
  const r = await get(`/app/rest/builds?locator=${encodeURIComponent(`branch:${pr.branch},defaultFilter:false`)},count:1000`);
  assert.ok(r.json.build.every((b) => b.branchName === pr.branch) && r.json.count > 0);
  const nd = await get(`/app/rest/builds?locator=${encodeURIComponent('branch:(default:false),defaultFilter:false')},count:1000`);
  assert.equal(nd.json.count, ctl.filter((b) => !b.defaultBranch).length);
});

test('buildType, affectedProject, sinceBuild, sinceDate, finishDate', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const q = async (loc) => (await get(`/app/rest/builds?locator=${encodeURIComponent(loc)}`)).json;
  const bt = await q('buildType:(id:Backend_Build),defaultFilter:false,count:1000');
  assert.equal(bt.count, ctl.filter((b) => b.buildTypeId === 'Backend_Build').length);
  const ap = await q('affectedProject:(id:Frontend),defaultFilter:false,count:1000');
  assert.equal(ap.count, ctl.filter((b) => b.projectId.startsWith('Frontend')).length);
  const time = (b) => Date.parse(b.startDate || b.queuedDate);
  const fin = ctl.filter((b) => b.state === 'finished').sort((a, b) => time(a) - time(b));
  const mid = fin.filter((b) => b.startDate)[Math.floor(fin.length / 2)];
  const since = await q(`sinceBuild:(id:${mid.id}),state:finished,defaultFilter:false,count:1000`);
  assert.equal(since.count, fin.filter((b) => time(b) > time(mid)).length);
  const sd = await q(`sinceDate:${mid.tcDates.startDate},state:finished,defaultFilter:false,count:1000`);
  assert.equal(sd.count, since.count);
  const fd = await q(`finishDate:(date:${mid.tcDates.finishDate},condition:after),defaultFilter:false,count:1000`);
  assert.equal(fd.count, ctl.filter((b) => b.finishDate && Date.parse(b.finishDate) > Date.parse(mid.finishDate) - (Date.parse(mid.finishDate) % 1000)).length);
  // an unencoded "+" arrives as a space: rejected
  const bad = await get(`/app/rest/builds?locator=sinceDate:${mid.tcDates.startDate}`);
  assert.equal(bad.status, 400);
  const unknown = await get('/app/rest/builds?locator=buildType:(id:Nope)');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json, { errors: [{ message: "No build types found by locator 'id:Nope'." }] });
  const dim = await get('/app/rest/builds?locator=colour:red');
  assert.equal(dim.status, 400);
  assert.match(dim.json.errors[0].message, /Locator dimension \[colour\] is unknown\. Supported dimensions are: \[id, number, buildType/);
});

test('paging: nextHref until the end, every build exactly once', async () => {
  const ctl = await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000');
  let path = `/app/rest/builds?locator=${encodeURIComponent('defaultFilter:false,state:any,branch:default:any,count:37')}&fields=count,nextHref,prevHref,build(id)`;
  const seen = [];
  let pages = 0;
  while (path) {
    const r = await get(path);
    assert.equal(r.status, 200);
    seen.push(...r.json.build.map((b) => b.id));
    if (pages > 0) assert.ok(r.json.prevHref, 'later pages have prevHref');
    path = r.json.nextHref || null;
    pages++;
  }
  assert.equal(seen.length, ctl.json.total);
  assert.equal(new Set(seen).size, seen.length);
});

test('lookupLimit: a page stops early and nextHref raises the limit', async () => {
  const r = await get(`/app/rest/builds?locator=${encodeURIComponent('defaultFilter:false,buildType:(id:Backend_Build),lookupLimit:20,count:100')}&fields=count,nextHref,build(id)`);
  assert.ok(r.json.count < 100);
  assert.match(r.json.nextHref, /lookupLimit:40/);
  assert.match(r.json.nextHref, new RegExp(`start:${r.json.count}`));
});

test('id: finds a build directly, in any state and beyond lookupLimit', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1')).json.builds;
  const oldest = ctl[0].id;
  const page = `locator=${encodeURIComponent('defaultFilter:false,lookupLimit:5')}&fields=count,build(id)`;
  assert.ok(!(await get(`/app/rest/builds?${page}`)).json.build.some((b) => b.id === oldest), 'a limited scan misses it');
  assert.equal((await get(`/app/rest/builds/id:${oldest},lookupLimit:5?fields=id`)).json.id, oldest);
  const changes = await get(`/app/rest/changes?locator=${encodeURIComponent(`build:(id:${oldest}),count:5`)}&fields=change(id)`);
  assert.equal(changes.status, 200);
  const running = (await control(tc.origin, 'GET', '/_control/servers/main/builds?state=running')).json.builds[0];
  assert.equal((await get(`/app/rest/builds/id:${running.id}?fields=state`)).json.state, 'running');
});

test('fields: filtering, explicit false/0 emitted, default suppression, nested changes and revisions', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const plain = ctl.find((b) => b.state === 'finished' && !b.personal && b.changeCount > 1 && b.buildTypeId.endsWith('_UnitTests') && b.status === 'SUCCESS');
  const d = await get(`/app/rest/builds/id:${plain.id}`);
  assert.equal(d.json.personal, undefined, 'false is suppressed in the default form');
  assert.equal(d.json.buildType.type, undefined, 'type only on request');
  assert.equal(d.json.changes.href, `/app/rest/changes?locator=build:(id:${plain.id})`);
  assert.equal(d.json.testOccurrences.failed, undefined, 'zero counts suppressed');
  const f = await get(`/app/rest/builds/id:${plain.id}?fields=id,personal,failedToStart,composite,buildType(id,type,internalId),testOccurrences(count,passed,failed,ignored,muted,newFailed),changes(count,change(id,version,username,date,comment)),revisions(revision(version,vcsBranchName,vcs-root-instance(id,vcs-root-id,name)))`);
  assert.deepEqual(Object.keys(f.json), ['id', 'composite', 'failedToStart', 'personal', 'buildType', 'changes', 'revisions', 'testOccurrences']);
  assert.equal(f.json.personal, false);
  assert.equal(f.json.testOccurrences.failed, 0);
  assert.equal(f.json.buildType.type, 'regular');
  assert.match(f.json.buildType.internalId, /^bt\d+$/);
  assert.equal(f.json.changes.count, plain.changeCount);
  assert.deepEqual(Object.keys(f.json.changes.change[0]), ['id', 'version', 'username', 'date', 'comment']);
  assert.deepEqual(Object.keys(f.json.revisions.revision[0]), ['version', 'vcsBranchName', 'vcs-root-instance']);
  assert.deepEqual(Object.keys(f.json.revisions.revision[0]['vcs-root-instance']), ['id', 'vcs-root-id', 'name']);
  const noTests = ctl.find((b) => b.state === 'finished' && b.buildTypeId.endsWith('_Lint'));
  const nt = await get(`/app/rest/builds/id:${noTests.id}?fields=id,testOccurrences(count)`);
  assert.deepEqual(nt.json, { id: noTests.id }, 'testOccurrences absent without tests');
  const lim = await get(`/app/rest/builds/id:${plain.id}?fields=changes($locator(count:1),change(id))`);
  assert.equal(lim.json.changes.change.length, 1);
});

test('canceled / running / queued builds look like the fixtures', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const canceled = ctl.find((b) => b.canceled && b.startDate);
  const c = (await get(`/app/rest/builds/id:${canceled.id}`)).json;
  assert.equal(c.status, 'UNKNOWN');
  const fx = fixture('teamcity/builds_id_canceled_finished.json');
  assert.deepEqual(Object.keys(c.canceledInfo), Object.keys(fx.canceledInfo));
  assert.deepEqual(Object.keys(c.canceledInfo.user).sort(), Object.keys(fx.canceledInfo.user).sort());
  const queued = ctl.find((b) => b.state === 'queued');
  const q = (await get(`/app/rest/buildQueue/id:${queued.id}`)).json;
  assert.equal(q.state, 'queued');
  assert.equal(q.number, undefined);
  assert.deepEqual(q.revisions, { count: 0 });
  assert.match(q.webUrl, /viewQueued\.html\?itemId=/);
  const running = ctl.find((b) => b.state === 'running');
  const r = (await get(`/app/rest/builds/id:${running.id}?fields=id,running,state,running-info(percentageComplete,elapsedSeconds)`)).json;
  assert.equal(r.running, true);
  assert.deepEqual(Object.keys(r['running-info']), ['percentageComplete', 'elapsedSeconds']);
  const dep = ctl.find((b) => b.deployment && b.upstreamBuildId);
  const dj = (await get(`/app/rest/builds/id:${dep.id}?fields=id,snapshot-dependencies(build(id,buildTypeId,number,status,state)),buildType(id,type)`)).json;
  assert.equal(dj.buildType.type, 'deployment');
  assert.equal(dj['snapshot-dependencies'].build[0].id, dep.upstreamBuildId);
});

test('token limited to a project: other builds are 404 or absent; noParameters hides properties', async () => {
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const other = ctl.find((b) => !b.projectId.startsWith('Backend'));
  const lim = { Authorization: 'Bearer limited', Accept: 'application/json' };
  const r = await get(`/app/rest/builds/id:${other.id}`, lim);
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { errors: [{ message: `No build found by locator 'id:${other.id}'.` }] });
  const list = await get('/app/rest/builds?locator=defaultFilter:false,count:1000', lim);
  assert.ok(list.json.build.length > 0);
  assert.ok(list.json.build.every((b) => ctl.find((x) => x.id === b.id).projectId.startsWith('Backend')));
  const mine = ctl.find((b) => b.projectId === 'Backend' && b.state === 'finished');
  const np = await get(`/app/rest/builds/id:${mine.id}?fields=id,properties(property(name,value))`, { Authorization: 'Bearer noparams', Accept: 'application/json' });
  assert.deepEqual(np.json, { id: mine.id });
  const rp = await get(`/app/rest/builds/id:${mine.id}/resultingProperties`, { Authorization: 'Bearer noparams', Accept: 'application/json' });
  assert.equal(rp.status, 403);
});

test('projects, buildTypes (type only when asked, type:deployment), changes paging, buildQueue', async () => {
  const p = await get('/app/rest/projects?locator=archived:false');
  assert.ok(p.json.project.some((x) => x.id === '_Root'));
  assert.ok(p.json.project.some((x) => x.parentProjectId && x.parentProjectId !== '_Root'), 'nested projects exist');
  const bts = await get('/app/rest/buildTypes?locator=affectedProject:(id:Backend)');
  assert.ok(bts.json.buildType.every((bt) => bt.type === undefined));
  const dep = await get('/app/rest/buildTypes?locator=type:deployment&fields=buildType(id,name,type)');
  assert.ok(dep.json.buildType.length > 0 && dep.json.buildType.every((bt) => bt.type === 'deployment' && /^Deploy to /.test(bt.name)));
  const one = await get('/app/rest/buildTypes/id:Backend_Build');
  assert.equal(one.json.id, 'Backend_Build');
  assert.equal((await get('/app/rest/buildTypes/id:Nope')).status, 404);
  const ctl = (await control(tc.origin, 'GET', '/_control/servers/main/builds?count=1000')).json.builds;
  const many = ctl.reduce((a, b) => (b.changeCount > a.changeCount ? b : a));
  let path = `/app/rest/changes?locator=build:(id:${many.id}),count:3`;
  let n = 0;
  while (path) {
    const r = await get(path);
    n += r.json.change.length;
    path = r.json.nextHref || null;
  }
  assert.equal(n, many.changeCount);
  const queue = await get('/app/rest/buildQueue');
  assert.equal(queue.json.count, ctl.filter((b) => b.state === 'queued').length);
});
