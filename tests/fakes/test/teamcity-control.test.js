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
