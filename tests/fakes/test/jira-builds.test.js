'use strict';
// Builds/Deployments semantics of the fake Jira: validation, unknown keys,
// updateSequenceNumber ordering, properties and bulkByProperties.
const test = require('node:test');
const assert = require('node:assert/strict');
const { setupSite, call, build, deployment } = require('./jira-helpers');
const { control } = require('./helpers');

let env;
test.before(async () => { env = await setupSite(); });
test.after(() => env.fake.close());
test.beforeEach(async () => {
  await control(env.fake.origin, 'DELETE', '/_control/sites/acme/builds');
  await control(env.fake.origin, 'DELETE', '/_control/sites/acme/deployments');
});

const submit = (body) => call(env.site, 'POST', '/rest/builds/0.1/bulk', body);
const stored = async () => (await control(env.fake.origin, 'GET', '/_control/sites/acme/builds')).json.builds;

test('whole-request problems are 400 with an array of {message}', async () => {
  const many = Array.from({ length: 101 }, (_, i) => build(i));
  for (const body of [{ builds: many }, { builds: [] }, {}, { builds: [build(1)], properties: { 'a:b': 'x' } },
    { builds: [build(1)], properties: { _x: 'y' } }, { builds: [build(1)], properties: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }, '{not json']) {
    const r = await submit(body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
    assert.ok(Array.isArray(r.json) && r.json.length >= 1 && typeof r.json[0].message === 'string');
  }
  assert.equal((await submit({ builds: Array.from({ length: 100 }, (_, i) => build(i)) })).status, 202);
});

test('per-item problems reject only that item, with reasons', async () => {
  const keys101 = Array.from({ length: 101 }, (_, i) => `ABC-${i + 1}`);
  const bad = [
    build(2, { issueKeys: keys101 }),
    build(3, { url: undefined }),
    build(4, { state: 'done' }),
    build(5, { lastUpdated: '2025-01-31 10:15' }),
    build(6, { displayName: 'x'.repeat(256) }),
    build(7, { issueKeys: ['not a key'] }),
    build(8, { references: Array(6).fill({ commit: { id: 'a', repositoryUri: 'https://g' } }) }),
    build(9, { testInfo: { totalNumber: 1 } }),
    build(10, { url: `https://x/${'a'.repeat(2000)}` }),
  ];
  const r = await submit({ builds: [build(1), ...bad] });
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.acceptedBuilds, [{ pipelineId: 'Backend_Build', buildNumber: 1 }]);
  assert.equal(r.json.rejectedBuilds.length, bad.length);
  const reason = (n) => r.json.rejectedBuilds.find((x) => x.key.buildNumber === n).errors.map((e) => e.message).join('; ');
  assert.match(reason(2), /issueKeys' must contain between 1 and 100 items \(got 101\)/);
  assert.match(reason(3), /'url' is required/);
  assert.match(reason(4), /'state' must be one of/);
  assert.match(reason(5), /RFC 3339/);
  assert.match(reason(6), /displayName' must not be longer than 255/);
  assert.match(reason(7), /invalid issue key/);
  assert.match(reason(8), /references/);
  assert.match(reason(9), /testInfo.numberPassed/);
  assert.match(reason(10), /'url' must not be longer than 2000/);
});

test('unknown issue keys: listed; all-unknown items rejected; others stored against known keys only', async () => {
  const r = await submit({ builds: [build(1, { issueKeys: ['ABC-1', 'ABC-9999', 'ZZZ-1'] }), build(2, { issueKeys: ['ZZZ-2', 'abc-1', 'ABC-01'] })] });
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.acceptedBuilds, [{ pipelineId: 'Backend_Build', buildNumber: 1 }]);
  assert.deepEqual(r.json.rejectedBuilds[0].errors, [{ message: 'No valid issues found for build' }]);
  assert.deepEqual(r.json.unknownIssueKeys.sort(), ['ABC-01', 'ABC-9999', 'ZZZ-1', 'ZZZ-2', 'abc-1'].sort());
  const s = await stored();
  assert.deepEqual(s[0].issueKeys, ['ABC-1']);
  const one = await call(env.site, 'GET', '/rest/builds/0.1/pipelines/Backend_Build/builds/1');
  assert.equal(one.status, 200);
  assert.deepEqual(one.json.issueKeys, ['ABC-1']);
  assert.equal((await call(env.site, 'GET', '/rest/builds/0.1/pipelines/Backend_Build/builds/2')).status, 404);
});

test('updateSequenceNumber: replaced only when strictly greater; lower/equal accepted but ignored', async () => {
  await submit({ builds: [build(1, { updateSequenceNumber: 5, state: 'in_progress' })] });
  const lower = await submit({ builds: [build(1, { updateSequenceNumber: 4, state: 'failed' })] });
  assert.deepEqual(lower.json.acceptedBuilds, [{ pipelineId: 'Backend_Build', buildNumber: 1 }]);
  assert.deepEqual(lower.json.rejectedBuilds, []);
  await submit({ builds: [build(1, { updateSequenceNumber: 5, state: 'cancelled' })] });
  let s = (await stored())[0];
  assert.equal(s.data.state, 'in_progress');
  assert.equal(s.updateSequenceNumber, 5);
  assert.equal(s.ignoredUpdates, 2);
  assert.equal(s.lowerUsnUpdates, 1, 'only the 4 came in below the stored 5');
  await submit({ builds: [build(1, { updateSequenceNumber: 6, state: 'successful' })] });
  s = (await stored())[0];
  assert.equal(s.data.state, 'successful');
  assert.equal(s.version, 2);
});

test('bulkByProperties: AND of properties, at least one required; single delete', async () => {
  await submit({ properties: { tcServer: 'a', project: 'p1' }, builds: [build(1), build(2)] });
  await submit({ properties: { tcServer: 'a', project: 'p2' }, builds: [build(3)] });
  await submit({ properties: { tcServer: 'b', project: 'p1' }, builds: [build(4)] });
  assert.equal((await call(env.site, 'DELETE', '/rest/builds/0.1/bulkByProperties')).status, 400);
  assert.equal((await call(env.site, 'DELETE', '/rest/builds/0.1/bulkByProperties?tcServer=a&project=p1')).status, 202);
  assert.deepEqual((await stored()).map((b) => b.buildNumber).sort(), [3, 4]);
  assert.equal((await call(env.site, 'DELETE', '/rest/builds/0.1/pipelines/Backend_Build/builds/3')).status, 202);
  assert.deepEqual((await stored()).map((b) => b.buildNumber), [4]);
});

test('deployments: validation, associations, unknownAssociations, USN, get/delete, gating status', async () => {
  const dsub = (body) => call(env.site, 'POST', '/rest/deployments/0.1/bulk', body);
  const r = await dsub({
    properties: { tcServer: 'a' },
    deployments: [
      deployment(1),
      deployment(2, { environment: { id: 'x', displayName: 'X', type: 'qa' } }),
      deployment(3, { description: undefined }),
      deployment(4, { associations: [{ associationType: 'issueKeys', values: ['ZZZ-1'] }] }),
      deployment(5, { associations: [1, 2, 3, 4].map(() => ({ associationType: 'issueKeys', values: ['ABC-1'] })) }),
      deployment(6, { associations: [{ associationType: 'issueKeys', values: Array.from({ length: 501 }, (_, i) => `ABC-${(i % 500) + 1}`) }] }),
      deployment(7, { associations: [{ associationType: 'serviceIdOrKeys', values: ['svc-1'] }, { associationType: 'commit', values: [{ commitHash: 'abc', repositoryId: 'repo' }] }] }),
    ],
  });
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.acceptedDeployments.map((d) => d.deploymentSequenceNumber), [1, 7]);
  const reason = (n) => r.json.rejectedDeployments.find((x) => x.key.deploymentSequenceNumber === n).errors.map((e) => e.message).join('; ');
  assert.match(reason(2), /environment.type/);
  assert.match(reason(3), /'description' is required/);
  assert.match(reason(4), /No valid associations/);
  assert.match(reason(5), /between 1 and 3/);
  assert.match(reason(6), /at most 500 values/);
  assert.deepEqual(r.json.unknownAssociations, [{ associationType: 'issueKeys', values: ['ZZZ-1'] }, { associationType: 'serviceIdOrKeys', values: ['svc-1'] }]);
  const key = '/rest/deployments/0.1/pipelines/Backend_DeployToProduction/environments/production/deployments/1';
  assert.equal((await call(env.site, 'GET', key)).json.state, 'successful');
  await dsub({ deployments: [deployment(1, { updateSequenceNumber: 0, state: 'failed' })] });
  assert.equal((await call(env.site, 'GET', key)).json.state, 'successful');
  const gating = await call(env.site, 'GET', `${key}/gating-status`);
  assert.equal(gating.json.gatingStatus, 'allowed');
  assert.equal((await call(env.site, 'DELETE', '/rest/deployments/0.1/bulkByProperties?tcServer=a')).status, 202);
  assert.equal((await call(env.site, 'GET', key)).status, 404);
});

test('413 above maxBodyBytes; 415 without JSON content type; POST redirect via faults is not followed by fetch(manual)', async () => {
  await control(env.fake.origin, 'POST', '/_control/settings', { maxBodyBytes: 2000 });
  const big = await submit({ builds: Array.from({ length: 10 }, (_, i) => build(i)) });
  assert.equal(big.status, 413);
  assert.match(big.json[0].message, /fewer items/);
  await control(env.fake.origin, 'POST', '/_control/settings', { maxBodyBytes: 1048576 });
  const { sign } = require('./jira-helpers');
  const { url, auth } = sign(env.site, 'POST', '/rest/builds/0.1/bulk');
  const txt = await fetch(url, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'text/plain' }, body: '{}' });
  assert.equal(txt.status, 415);
  await control(env.fake.origin, 'POST', '/_control/faults', { method: 'POST', path: '/sites/acme/rest/builds/0.1/bulk', redirectTo: 'http://127.0.0.1:1/renamed/rest/builds/0.1/bulk' });
  const red = await submit({ builds: [build(1)] });
  assert.equal(red.status, 302);
  assert.equal(red.headers.get('location'), 'http://127.0.0.1:1/renamed/rest/builds/0.1/bulk');
  await control(env.fake.origin, 'POST', '/_control/faults', { path: '/sites/acme/rest/builds', status: 429, headers: { 'Retry-After': '2' }, body: [{ message: 'Rate limited' }] });
  const limited = await submit({ builds: [build(1)] });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '2');
});
