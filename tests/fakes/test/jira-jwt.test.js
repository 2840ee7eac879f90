'use strict';
// JWT checks of the fake Jira on app -> Jira calls.
const test = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('atlassian-jwt');
const { setupSite, call, build, APP_KEY } = require('./jira-helpers');
const { control, fixture } = require('./helpers');

let env;
test.before(async () => { env = await setupSite(); });
test.after(() => env.fake.close());

const post = (overrides, secret, pathAndQuery = '/rest/builds/0.1/bulk') => call(env.site, 'POST', pathAndQuery, { builds: [build(1)] }, overrides, secret);
const lastReason = async () => (await control(env.fake.origin, 'GET', '/_control/requests?path=/sites/acme/rest/builds&limit=1')).json.entries[0].auth;

test('a correctly signed request is accepted', async () => {
  const r = await post();
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.acceptedBuilds, [{ pipelineId: 'Backend_Build', buildNumber: 1 }]);
  assert.equal((await lastReason()).result, 'ok');
});

test('rejections: wrong qsh, expired, no exp, context-qsh, wrong iss, wrong secret, missing header, HS512', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [{ qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', `${env.site.baseUrl}/rest/deployments/0.1/bulk`), false, env.site.baseUrl) }, undefined, /qsh does not match/],
    // base path not stripped: canonical URI /sites/acme/rest/builds/0.1/bulk
    [{ qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', '/sites/acme/rest/builds/0.1/bulk'), false, 'http://127.0.0.1') }, undefined, /qsh does not match/],
    [{ iat: now - 400, exp: now - 200 }, undefined, /expired/],
    [{ exp: null }, undefined, /exp claim missing/],
    [{ qsh: 'context-qsh' }, undefined, /context-qsh/],
    [{ qsh: null }, undefined, /qsh claim missing/],
    [{ iss: 'someone-else' }, undefined, /not the app key/],
    [{}, 'another-secret', /signature/],
  ];
  for (const [overrides, secret, reason] of cases) {
    const r = await post(overrides, secret);
    assert.equal(r.status, 401, JSON.stringify(overrides));
    assert.match((await lastReason()).reason, reason);
  }
  const plain = await fetch(`${env.site.baseUrl}/rest/builds/0.1/bulk`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(plain.status, 401);
  const now2 = Math.floor(Date.now() / 1000);
  const url = `${env.site.baseUrl}/rest/builds/0.1/bulk`;
  const hs512 = jwt.encodeSymmetric({ iss: APP_KEY, iat: now2, exp: now2 + 60, qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', url), false, env.site.baseUrl) }, 'test-shared-secret-0123456789abcdef', 'HS512');
  const r512 = await fetch(url, { method: 'POST', headers: { Authorization: `JWT ${hs512}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ builds: [build(2)] }) });
  assert.equal(r512.status, 401);
  assert.equal((await control(env.fake.origin, 'GET', '/_control/sites/acme/builds')).json.count, 1, 'no side effects');
});

test('qsh covers the query: bulkByProperties signed for other parameters fails', async () => {
  const good = await call(env.site, 'DELETE', '/rest/builds/0.1/bulkByProperties?tcServer=tc-01&accountId=acc%20123');
  assert.equal(good.status, 202);
  const { sign } = require('./jira-helpers');
  const { auth } = sign(env.site, 'DELETE', '/rest/builds/0.1/bulkByProperties?tcServer=tc-01');
  const bad = await fetch(`${env.site.baseUrl}/rest/builds/0.1/bulkByProperties?tcServer=tc-02`, { method: 'DELETE', headers: { Authorization: auth } });
  assert.equal(bad.status, 401);
});

test('qsh vectors: the fake computes exactly the fixture hashes (base path stripped)', () => {
  const { vectors } = fixture('connect/qsh-vectors.json');
  for (const v of vectors.filter((x) => !['V8', 'V11'].includes(x.id))) {
    const url = `${v.base_url}${v.url_path.startsWith('/jira-app') ? v.url_path.slice(new URL(v.base_url).pathname.length) : v.url_path}`;
    const base = `http://127.0.0.1:9/sites/acme${new URL(v.base_url).pathname.replace(/\/$/, '')}`;
    const req = jwt.fromMethodAndUrl(v.method, `${base}${url.slice(v.base_url.length)}${v.query_raw ? `?${v.query_raw}` : ''}`);
    assert.equal(jwt.createQueryStringHash(req, false, base), v.qsh, v.id);
  }
});

test('site not installed, disabled app, unknown site', async () => {
  await control(env.fake.origin, 'POST', '/_control/sites', { name: 'other' });
  const other = (await control(env.fake.origin, 'GET', '/_control/sites/other')).json;
  assert.equal((await call(other, 'POST', '/rest/builds/0.1/bulk', { builds: [build(1)] })).status, 401);
  await control(env.fake.origin, 'POST', '/_control/sites/other/installation', { appKey: APP_KEY, sharedSecret: 'test-shared-secret-0123456789abcdef', enabled: false });
  const r = await call(other, 'POST', '/rest/builds/0.1/bulk', { builds: [build(1)] });
  assert.equal(r.status, 401);
  assert.match(r.json[0].message, /disabled/);
  const tenant = await fetch(`${env.fake.origin}/sites/nope/_edge/tenant_info`);
  assert.equal(tenant.status, 404);
});

test('scopes and provider modules from the descriptor are enforced (403)', async () => {
  await control(env.fake.origin, 'POST', '/_control/sites', { name: 'narrow' });
  await control(env.fake.origin, 'POST', '/_control/sites/narrow/installation', { appKey: APP_KEY, sharedSecret: 'test-shared-secret-0123456789abcdef', scopes: ['READ'], modules: ['jiraBuildInfoProvider'] });
  const narrow = (await control(env.fake.origin, 'GET', '/_control/sites/narrow')).json;
  assert.equal((await call(narrow, 'POST', '/rest/builds/0.1/bulk', { builds: [build(1)] })).status, 403);
  assert.equal((await call(narrow, 'GET', '/rest/builds/0.1/pipelines/Backend_Build/builds/1')).status, 404);
  await control(env.fake.origin, 'POST', '/_control/sites/narrow/installation', { appKey: APP_KEY, sharedSecret: 'test-shared-secret-0123456789abcdef', scopes: ['DELETE'], modules: ['jiraBuildInfoProvider'] });
  assert.equal((await call(narrow, 'POST', '/rest/deployments/0.1/bulk', { deployments: [] })).status, 403);
});

test('platform: permissions/check, project/search paging, tenant_info', async () => {
  const admin = await call(env.site, 'POST', '/rest/api/3/permissions/check', { accountId: 'admin-1', globalPermissions: ['ADMINISTER'] });
  assert.deepEqual(admin.json.globalPermissions, ['ADMINISTER']);
  const user = await call(env.site, 'POST', '/rest/api/3/permissions/check', { accountId: 'user-2', globalPermissions: ['ADMINISTER'] });
  assert.deepEqual(user.json.globalPermissions, []);
  const p1 = await call(env.site, 'GET', '/rest/api/3/project/search?startAt=0&maxResults=1');
  assert.equal(p1.json.total, 2);
  assert.equal(p1.json.isLast, false);
  assert.deepEqual(Object.keys(p1.json.values[0]).filter((k) => ['id', 'key', 'name'].includes(k)), ['id', 'key', 'name']);
  const p2 = await call(env.site, 'GET', '/rest/api/3/project/search?startAt=1&maxResults=1');
  assert.equal(p2.json.isLast, true);
  const keys = await call(env.site, 'GET', '/rest/api/3/project/search?keys=DEMO&keys=ZZZ');
  assert.deepEqual(keys.json.values.map((v) => v.key), ['DEMO']);
  const t = await (await fetch(`${env.site.baseUrl}/_edge/tenant_info`)).json();
  assert.equal(t.cloudId, env.site.cloudId);
});
