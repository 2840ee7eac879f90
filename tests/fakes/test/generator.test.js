'use strict';
// Deterministic histories and the definition of intended issue keys.
const test = require('node:test');
const assert = require('node:assert/strict');
const { TcServer } = require('../teamcity/model');
const { generate } = require('../teamcity/generator');
const { extractKeys, parseKeyParameter } = require('../teamcity/issue-keys');
const { startTeamCity, control } = require('./helpers');

function make(cfg) {
  const s = new TcServer({ name: 'g', token: 't', ...cfg });
  generate(s, s.cfg);
  return s;
}

function snapshot(s) {
  return JSON.stringify({
    builds: [...s.builds.values()],
    changes: [...s.changes.values()],
    types: [...s.buildTypes.values()],
    projects: [...s.projects.values()],
  });
}

test('same seed gives the same history; another seed a different one', () => {
  const a = make({ seed: 42, builds: 1500 });
  const b = make({ seed: 42, builds: 1500 });
  const c = make({ seed: 43, builds: 1500 });
  assert.equal(snapshot(a), snapshot(b));
  assert.notEqual(snapshot(a), snapshot(c));
});

test('history contains the edge cases the sync must handle', () => {
  const s = make({ seed: 7, builds: 2000 });
  const builds = [...s.builds.values()];
  const has = (f) => builds.some(f);
  assert.ok(has((b) => b.state === 'queued'));
  assert.ok(has((b) => b.state === 'running'));
  assert.ok(has((b) => b.canceled && b.startDate === null), 'canceled while queued');
  assert.ok(has((b) => b.canceled && b.startDate !== null), 'canceled while running');
  assert.ok(has((b) => b.failedToStart));
  assert.ok(has((b) => b.personal));
  assert.ok(has((b) => b.changeIds.length === 0));
  assert.ok(has((b) => b.changeIds.length === 10000), 'one build with 10 000 changes');
  assert.ok(has((b) => /^\d+\/head$/.test(b.branchName)));
  assert.ok(has((b) => b.branchName.includes('(')) && has((b) => b.branchName.includes('$')) && has((b) => /[^\x00-\x7f]/.test(b.branchName)));
  assert.ok(has((b) => b.properties.some((p) => p.name === 'jira.issueKeys')));
  assert.ok([...s.buildTypes.values()].some((bt) => bt.type === 'deployment' && bt.name === 'Deploy to Production'));
  assert.ok([...s.projects.values()].some((p) => p.parentProjectId && p.parentProjectId !== '_Root'));
});

test('intended keys by construction equal the documented reference rule', () => {
  const s = make({ seed: 11, builds: 3000 });
  let checked = 0;
  for (const b of s.builds.values()) {
    const viaRule = s.intendedFor(b);
    assert.deepEqual(viaRule.keys, b.intended.keys, `build ${b.id}`);
    checked += b.intended.keys.length ? 1 : 0;
  }
  assert.ok(checked > 500);
});

test('reference rule on handcrafted messages', () => {
  const p = new Set(['ABC', 'DEMO']);
  assert.deepEqual(extractKeys('[ABC-1] fix', p), ['ABC-1']);
  assert.deepEqual(extractKeys('(abc-2) lower case', p), ['ABC-2']);
  assert.deepEqual(extractKeys('ABC-3: colon', p), ['ABC-3']);
  assert.deepEqual(extractKeys('ABC-4,DEMO-5 pair', p), ['ABC-4', 'DEMO-5']);
  assert.deepEqual(extractKeys("Merge branch 'feature/DEMO-6-login'", p), ['DEMO-6']);
  assert.deepEqual(extractKeys('UTF-8 ISO-8859-1 SHA-256 lodash-4.17.21 X-1', p), []);
  assert.deepEqual(extractKeys('see https://other.example/ABC-9 and ABC-01', p), []);
  assert.deepEqual(extractKeys('ZZZ-5 is another project', p), []);
  assert.deepEqual(parseKeyParameter(' abc-5 ; DEMO-7,junk ABC-0'), ['ABC-5', 'DEMO-7']);
});

test('control API: handcrafted builds get intended keys; parameter replaces; deployments inherit upstream', async () => {
  const tc = await startTeamCity();
  try {
    await control(tc.origin, 'POST', '/_control/servers', { name: 'h', token: 't', builds: 0 });
    const add = (b) => control(tc.origin, 'POST', '/_control/servers/h/builds', b);
    const one = await add({ buildTypeId: 'Backend_Build', state: 'finished', branch: 'feature/DEMO-9-x', changes: ['[ABC-1] a', 'see https://other.example/ABC-2', { comment: '(abc-3) c' }] });
    assert.equal(one.status, 201);
    assert.deepEqual(one.json.intendedIssueKeys, ['ABC-1', 'ABC-3', 'DEMO-9']);
    assert.deepEqual(one.json.intendedIssueKeySources.branch, ['DEMO-9']);
    const withParam = await add({ buildTypeId: 'Backend_Build', state: 'finished', changes: ['ABC-4 x'], params: { 'jira.issueKeys': 'DEMO-1, demo-2' } });
    assert.deepEqual(withParam.json.intendedIssueKeys, ['DEMO-1', 'DEMO-2']);
    const main = await add({ buildTypeId: 'Backend_Build', state: 'finished', changes: ['ABC-7: y'] });
    const dep = await add({ buildTypeId: 'Backend_DeployToProduction', state: 'finished' });
    assert.equal(dep.json.deployment, true);
    assert.equal(dep.json.upstreamBuildId, main.json.id);
    assert.deepEqual(dep.json.intendedIssueKeys, ['ABC-7']);
    assert.deepEqual(dep.json.environment, { name: 'Production', type: 'production' });
    const explicit = await add({ buildTypeId: 'Backend_Build', changes: ['nothing'], intendedIssueKeys: ['abc-10'] });
    assert.deepEqual(explicit.json.intendedIssueKeys, ['ABC-10']);
  } finally {
    await tc.close();
  }
});

test('bulk creation of 1000 small servers is quick', async () => {
  const tc = await startTeamCity();
  try {
    const t0 = Date.now();
    const r = await control(tc.origin, 'POST', '/_control/servers/bulk', { count: 1000, builds: 20, token: 'tok', namePrefix: 'tc' });
    assert.equal(r.status, 201);
    assert.equal(r.json.names.length, 1000);
    assert.equal(r.json.names[0], 'tc0001');
    assert.ok(Date.now() - t0 < 10000);
    const res = await fetch(`${tc.origin}/tc/tc0999/app/rest/builds?locator=defaultFilter:false`, { headers: { Authorization: 'Bearer tok', Accept: 'application/json' } });
    assert.equal((await res.json()).count, 20);
  } finally {
    await tc.close();
  }
});
