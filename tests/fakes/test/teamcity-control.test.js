'use strict';
// Moving time forward through the control API, as end-to-end tests will.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startTeamCity, control, raw } = require('./helpers');

const H = { Authorization: 'Bearer tok', Accept: 'application/json' };

test('queue -> start -> finish, cancel, manual status change, delete, tick, token revocation', async () => {
  const tc = await startTeamCity();
  const base = `${tc.origin}/tc/c`;
  const get = async (p, headers = H) => { const r = await raw(`${base}${p}`, { headers }); return { status: r.status, json: r.status === 200 ? JSON.parse(r.body) : null }; };
  try {
    await control(tc.origin, 'POST', '/_control/servers', { name: 'c', token: 'tok', builds: 0 });
    const q = (await control(tc.origin, 'POST', '/_control/servers/c/builds', { buildTypeId: 'Backend_Build', changes: ['[ABC-1] x'] })).json;
    assert.equal(q.state, 'queued');
    assert.equal((await get(`/app/rest/builds/id:${q.id}`)).json.state, 'queued');
    await control(tc.origin, 'POST', `/_control/servers/c/builds/${q.id}/start`);
    const running = (await get(`/app/rest/builds/id:${q.id}`)).json;
    assert.equal(running.state, 'running');
    assert.equal(running.number, '1.4.1');
    const fin = await control(tc.origin, 'POST', `/_control/servers/c/builds/${q.id}/finish`, { status: 'FAILURE', statusText: 'Tests failed: 1' });
    assert.equal(fin.json.status, 'FAILURE');
    const done = (await get(`/app/rest/builds/id:${q.id}?fields=id,state,status,statusText,finishDate`)).json;
    assert.deepEqual([done.state, done.status, done.statusText], ['finished', 'FAILURE', 'Tests failed: 1']);
    assert.match(done.finishDate, /^\d{8}T\d{6}\+0000$/);
    await control(tc.origin, 'POST', `/_control/servers/c/builds/${q.id}/status`, { status: 'SUCCESS' });
    assert.equal((await get(`/app/rest/builds/id:${q.id}`)).json.status, 'SUCCESS');

    const c1 = (await control(tc.origin, 'POST', '/_control/servers/c/builds', { buildTypeId: 'Backend_Build' })).json;
    await control(tc.origin, 'POST', `/_control/servers/c/builds/${c1.id}/cancel`, { text: 'not needed' });
    const canceled = (await get(`/app/rest/builds/id:${c1.id}`)).json;
    assert.equal(canceled.status, 'UNKNOWN');
    assert.equal(canceled.canceledInfo.text, 'not needed');
    assert.equal(canceled.startDate, undefined);

    const a = (await control(tc.origin, 'POST', '/_control/servers/c/builds', { buildTypeId: 'Backend_Build', finishStatus: 'FAILURE' })).json;
    const b = (await control(tc.origin, 'POST', '/_control/servers/c/builds', { buildTypeId: 'Backend_Lint', state: 'running' })).json;
    const t1 = (await control(tc.origin, 'POST', '/_control/servers/c/tick')).json;
    assert.deepEqual(t1, { finished: [b.id], started: [a.id] });
    const t2 = (await control(tc.origin, 'POST', '/_control/servers/c/tick')).json;
    assert.deepEqual(t2, { finished: [a.id], started: [] });
    assert.equal((await get(`/app/rest/builds/id:${a.id}`)).json.status, 'FAILURE');

    assert.equal((await control(tc.origin, 'DELETE', `/_control/servers/c/builds/${a.id}`)).status, 204);
    const gone = await raw(`${base}/app/rest/builds/id:${a.id}`, { headers: H });
    assert.equal(gone.status, 404);
    assert.deepEqual(JSON.parse(gone.body), { errors: [{ message: `No build found by locator 'id:${a.id}'.` }] });

    await control(tc.origin, 'POST', '/_control/servers/c/tokens/tok/revoke');
    assert.equal((await get('/app/rest/server')).status, 401);
  } finally {
    await tc.close();
  }
});

test('relatedIssues: TeamCity\'s own (case-sensitive) detection when an issue tracker is configured', async () => {
  const tc = await startTeamCity();
  try {
    await control(tc.origin, 'POST', '/_control/servers', { name: 'ri', token: 'tok', builds: 0, relatedIssues: true, issueTrackerUrl: 'https://acme.atlassian.net' });
    const b = (await control(tc.origin, 'POST', '/_control/servers/ri/builds', { buildTypeId: 'Backend_Build', state: 'finished', changes: ['[ABC-1] x', '(abc-2) y', 'ABC-1 again'] })).json;
    const r = await raw(`${tc.origin}/tc/ri/app/rest/builds/id:${b.id}?fields=id,relatedIssues(issueUsage(issue(id,url)))`, { headers: H });
    const body = JSON.parse(r.body);
    assert.deepEqual(body.relatedIssues.issueUsage, [{ issue: { id: 'ABC-1', url: 'https://acme.atlassian.net/browse/ABC-1' } }]);
    assert.deepEqual(b.intendedIssueKeys, ['ABC-1', 'ABC-2'], 'intended keys follow the reference rule, not TeamCity\'s');
    await control(tc.origin, 'POST', '/_control/servers', { name: 'plain', token: 'tok', builds: 0 });
    const p = (await control(tc.origin, 'POST', '/_control/servers/plain/builds', { buildTypeId: 'Backend_Build', state: 'finished', changes: ['[ABC-1] x'] })).json;
    const pr = JSON.parse((await raw(`${tc.origin}/tc/plain/app/rest/builds/id:${p.id}?fields=relatedIssues(issueUsage(issue(id)))`, { headers: H })).body);
    assert.deepEqual(pr, { relatedIssues: { issueUsage: [] } });
  } finally {
    await tc.close();
  }
});

test('corrupt: one field of one build is answered with another value until undone', async () => {
  const tc = await startTeamCity();
  const base = `${tc.origin}/tc/k`;
  const get = async (p) => JSON.parse((await raw(`${base}${p}`, { headers: H })).body);
  const fields = 'fields=count,build(id,number,state,finishDate,buildType(id,internalId,name))';
  try {
    await control(tc.origin, 'POST', '/_control/servers', { name: 'k', token: 'tok', builds: 0 });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await control(tc.origin, 'POST', '/_control/servers/k/builds', { buildTypeId: 'Backend_Build', state: 'finished' })).json.id);
    }
    const [a, b, c] = ids;
    const clean = await get(`/app/rest/builds?locator=defaultFilter:false&${fields}`);

    const set = await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: b, field: 'number', value: 42 });
    assert.equal(set.status, 201);
    assert.deepEqual(set.json, { buildId: b, field: 'number', value: 42 });
    await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: b, field: 'buildType.internalId', value: ['bt1'] });
    await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: c, field: 'buildType', value: null });
    assert.deepEqual((await control(tc.origin, 'GET', '/_control/servers/k/corrupt')).json, {
      corruptions: [
        { buildId: b, field: 'buildType.internalId', value: ['bt1'] },
        { buildId: b, field: 'number', value: 42 },
        { buildId: c, field: 'buildType', value: null },
      ],
    });

    // Pages of builds: only the corrupted fields of those builds change.
    const page = await get(`/app/rest/builds?locator=defaultFilter:false&${fields}`);
    const byId = new Map(page.build.map((x) => [x.id, x]));
    const before = new Map(clean.build.map((x) => [x.id, x]));
    assert.deepEqual(byId.get(a), before.get(a));
    assert.equal(byId.get(b).number, 42);
    assert.deepEqual(byId.get(b).buildType.internalId, ['bt1']);
    assert.equal(byId.get(b).buildType.id, 'Backend_Build');
    assert.equal(byId.get(b).state, 'finished');
    assert.equal('buildType' in byId.get(c), false, 'null removes the field');
    assert.equal(byId.get(c).number, before.get(c).number);
    // A build by locator too.
    assert.equal((await get(`/app/rest/builds/id:${b}?fields=id,number`)).number, 42);

    // Undo one field, then the rest.
    assert.deepEqual((await control(tc.origin, 'DELETE', `/_control/servers/k/corrupt?buildId=${b}&field=number`)).json, { removed: 1 });
    assert.equal((await get(`/app/rest/builds/id:${b}?fields=id,number`)).number, before.get(b).number);
    assert.deepEqual((await control(tc.origin, 'DELETE', '/_control/servers/k/corrupt')).json, { removed: 2 });
    assert.deepEqual(await get(`/app/rest/builds?locator=defaultFilter:false&${fields}`), clean);
    assert.deepEqual((await control(tc.origin, 'GET', '/_control/servers/k/corrupt')).json, { corruptions: [] });

    // Bad requests.
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: 999999, field: 'number', value: 1 })).status, 404);
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: a, field: 'number' })).status, 400);
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: String(a), field: 'number', value: 1 })).status, 400);
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: a, field: '../x', value: 1 })).status, 400);
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/k/corrupt', { buildId: a, field: 'number', value: 1, extra: 1 })).status, 400);
    assert.equal((await control(tc.origin, 'POST', '/_control/servers/nope/corrupt', { buildId: a, field: 'number', value: 1 })).status, 404);
  } finally {
    await tc.close();
  }
});
