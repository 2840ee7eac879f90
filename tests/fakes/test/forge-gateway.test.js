'use strict';
// The /ex/jira/{cloudId} gateway, mypermissions and the Installation Details
// API with Forge app tokens; faults on the new routes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { setupForge, api, decode, sleep } = require('./forge-helpers');
const { build, deployment } = require('./jira-helpers');

let f;
let inst;
const B = () => `/ex/jira/${f.site.cloudId}/rest/builds/0.1`;
const token = async (installation, body = {}) => {
  const r = await f.ctl('POST', `/_control/forge/installations/${installation.uuid}/tokens`, body);
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const install = async (appId, site = 'acme') => {
  const r = await f.ctl('POST', '/_control/forge/installations', { appId, site, sendEvent: false });
  assert.equal(r.status, 201, r.text);
  return r.json.installation;
};

test.before(async () => {
  f = await setupForge();
  inst = await install(f.app.appId);
});
test.after(() => f.close());

test('builds and deployments with a fresh system token; data lands in the site store per installation', async () => {
  const t = await token(inst);
  assert.equal(decode(t.token).claims.exp, t.exp, 'JWT-shaped with exp');
  assert.ok(t.exp - Date.now() / 1000 > 4 * 3600 - 5, 'default lifetime 4 h');
  const ok = await api(f.fake.origin, 'POST', `${B()}/bulk`, t.token, { builds: [build(1)], properties: { tc: 'x' } });
  assert.equal(ok.status, 202, ok.text);
  assert.equal(ok.json.acceptedBuilds.length, 1);
  assert.equal((await api(f.fake.origin, 'GET', `${B()}/pipelines/Backend_Build/builds/1`, t.token)).status, 200);
  const stored = (await f.ctl('GET', `/_control/sites/acme/builds?provider=${encodeURIComponent(`forge:${inst.id}`)}`)).json;
  assert.equal(stored.count, 1);
  const d = await api(f.fake.origin, 'POST', `/ex/jira/${f.site.cloudId}/rest/deployments/0.1/bulk`, t.token, { deployments: [deployment(1)] });
  assert.equal(d.status, 202, d.text);
  assert.equal((await api(f.fake.origin, 'DELETE', `${B()}/bulkByProperties?tc=x`, t.token)).status, 202);
  assert.equal((await f.ctl('GET', '/_control/sites/acme/builds')).json.count, 0);
  const log = (await f.ctl('GET', '/_control/requests?path=/ex/jira/')).json.entries;
  assert.equal(log[0].auth.result, 'ok');
  assert.match(log[0].auth.tokenHash, /^[0-9a-f]{12}$/);
  assert.ok(!JSON.stringify(log).includes(t.token));
});

test('401 for missing, unknown, expired, foreign and uninstalled tokens', async () => {
  const unauthorized = async (tok, path = `${B()}/bulk`) => {
    const r = await api(f.fake.origin, 'POST', path, tok, { builds: [build(2)] });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.json, { code: 401, message: 'Unauthorized' });
  };
  await unauthorized(null);
  await unauthorized('a.b.c');
  const short = await token(inst, { ttlSeconds: 1 });
  await sleep(1100);
  await unauthorized(short.token);

  await f.ctl('POST', '/_control/forge/settings', { tokenTtlSeconds: 120 });
  const t = await token(inst);
  assert.ok(t.exp - Date.now() / 1000 <= 120);
  await f.ctl('POST', '/_control/forge/settings', { tokenTtlSeconds: 14400 });
  assert.equal((await f.ctl('POST', '/_control/forge/settings', { tokenTtlSeconds: 14401 })).status, 400, 'max 4 h');
  assert.equal((await f.ctl('POST', `/_control/forge/installations/${inst.uuid}/expire-tokens`)).json.expired >= 1, true);
  await unauthorized(t.token);

  // Another site's installation: its token is foreign on this cloudId.
  await f.ctl('POST', '/_control/sites', { name: 'beta' });
  const other = await install(f.app.appId, 'beta');
  const foreign = await token(other);
  await unauthorized(foreign.token);
  assert.equal((await api(f.fake.origin, 'POST', `/ex/jira/${other.cloudId}/rest/builds/0.1/bulk`, foreign.token, { builds: [build(2)] })).status, 202);

  const fresh = await token(other);
  await f.ctl('POST', `/_control/forge/installations/${other.uuid}/uninstall`, {});
  await unauthorized(fresh.token, `/ex/jira/${other.cloudId}/rest/builds/0.1/bulk`);
  assert.equal((await f.ctl('GET', '/_control/sites/beta/builds')).json.count, 0, 'uninstall deletes the app data');
  const reasons = (await f.ctl('GET', '/_control/requests?path=/ex/jira/')).json.entries.map((e) => e.auth && e.auth.reason);
  for (const r of ['missing Bearer token', 'unknown token', 'token expired', 'token is for another cloudId', 'installation uninstalled']) {
    assert.ok(reasons.includes(r), r);
  }
});

test('403 without the scope or the provider module, and while permissions settle', async () => {
  const noScope = (await f.ctl('POST', '/_control/forge/apps', { remoteBaseUrl: f.remote.base, scopes: ['read:app-system-token', 'read:build-info:jira', 'write:deployment-info:jira'] })).json;
  await f.ctl('POST', '/_control/sites', { name: 'gamma' });
  const gamma = (await f.ctl('GET', '/_control/sites/gamma')).json;
  const i1 = await install(noScope.appId, 'gamma');
  const t1 = await token(i1);
  const r = await api(f.fake.origin, 'POST', `/ex/jira/${gamma.cloudId}/rest/builds/0.1/bulk`, t1.token, { builds: [build(1)] });
  assert.equal(r.status, 403);
  assert.deepEqual(r.json, { code: 403, message: 'Forbidden' });
  assert.equal((await api(f.fake.origin, 'GET', `/ex/jira/${gamma.cloudId}/rest/builds/0.1/pipelines/P/builds/1`, t1.token)).status, 404, 'read scope is enough to read');
  assert.equal((await api(f.fake.origin, 'POST', `/ex/jira/${gamma.cloudId}/rest/deployments/0.1/bulk`, t1.token, { deployments: [deployment(1)] })).status, 202);

  // Scope granted but no devops:buildInfoProvider module.
  const modules = { endpoint: [{ key: 'remote-lifecycle', route: { path: '/forge/lifecycle' } }] };
  const noModule = (await f.ctl('POST', '/_control/forge/apps', { remoteBaseUrl: f.remote.base, modules })).json;
  const i2 = await install(noModule.appId, 'gamma');
  assert.equal((await api(f.fake.origin, 'POST', `/ex/jira/${gamma.cloudId}/rest/builds/0.1/bulk`, (await token(i2)).token, { builds: [build(1)] })).status, 403);

  await f.ctl('POST', '/_control/forge/settings', { permissionsSettleMs: 60000 });
  await f.ctl('POST', `/_control/forge/installations/${inst.uuid}/uninstall`, { preUninstall: false });
  const settling = await install(f.app.appId);
  assert.ok(Date.parse(settling.permissionsSettleAt) > Date.now() + 50000);
  const t = await token(settling);
  assert.equal((await api(f.fake.origin, 'POST', `${B()}/bulk`, t.token, { builds: [build(1)] })).status, 403);
  await f.ctl('POST', `/_control/forge/installations/${settling.uuid}/settle`, {});
  assert.equal((await api(f.fake.origin, 'POST', `${B()}/bulk`, t.token, { builds: [build(1)] })).status, 202);
  await f.ctl('POST', '/_control/forge/settings', { permissionsSettleMs: 0 });
  inst = settling;
});

test('mypermissions: site admins have ADMINISTER with their user token', async () => {
  const path = (q) => `/ex/jira/${f.site.cloudId}/rest/api/3/mypermissions${q}`;
  const admin = await token(inst, { kind: 'user', accountId: 'admin-1' });
  const ok = await api(f.fake.origin, 'GET', path('?permissions=ADMINISTER'), admin.token);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.permissions.ADMINISTER.havePermission, true);
  assert.equal(ok.json.permissions.ADMINISTER.key, 'ADMINISTER');
  const user = await token(inst, { kind: 'user', accountId: 'someone' });
  assert.equal((await api(f.fake.origin, 'GET', path('?permissions=ADMINISTER'), user.token)).json.permissions.ADMINISTER.havePermission, false);
  await f.ctl('POST', '/_control/sites/acme/admins', { accountIds: ['someone'] });
  assert.equal((await api(f.fake.origin, 'GET', path('?permissions=ADMINISTER'), user.token)).json.permissions.ADMINISTER.havePermission, true);
  const system = await token(inst);
  assert.equal((await api(f.fake.origin, 'GET', path('?permissions=ADMINISTER'), system.token)).json.permissions.ADMINISTER.havePermission, false);
  assert.equal((await api(f.fake.origin, 'GET', path(''), user.token)).status, 400);
  assert.equal((await api(f.fake.origin, 'GET', path('?permissions=ADMINISTER'), null)).status, 401);
  await f.ctl('POST', '/_control/sites/acme/admins', { accountIds: ['admin-1'] });
});

test('project search: the site\'s projects for an app token, with read:jira-work', async () => {
  const path = `/ex/jira/${f.site.cloudId}/rest/api/3/project/search?maxResults=1`;
  const t = await token(inst);
  const first = await api(f.fake.origin, 'GET', path, t.token);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.values.length, 1);
  assert.equal(first.json.isLast, false);
  assert.ok(first.json.nextPage.startsWith(`${f.fake.origin}/ex/jira/${f.site.cloudId}/rest/api/3/project/search`));
  const all = await api(f.fake.origin, 'GET', `/ex/jira/${f.site.cloudId}/rest/api/3/project/search`, t.token);
  assert.deepEqual(all.json.values.map((p) => p.key).sort(), ['ABC', 'DEMO']);
  assert.equal((await api(f.fake.origin, 'GET', path, null)).status, 401);
});

test('Installation Details API: own installation only; optional rate limit', async () => {
  const t = await token(inst);
  const p = `/forge/installation/v1/${f.app.appId.split('/').pop()}/${f.app.environmentId}/installation/${inst.uuid}`;
  const r = await api(f.fake.origin, 'GET', p, t.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    version: '1.0.0', installationContext: { id: `ari:cloud:jira::site/${f.site.cloudId}` }, secondaryInstallationContexts: [],
    permissions: { scopes: inst.scopes, external: {} }, isSandbox: false,
  });
  const other = (await f.ctl('GET', '/_control/forge/installations?site=beta')).json[0];
  const wrong = await api(f.fake.origin, 'GET', p.replace(inst.uuid, other.uuid), t.token);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.type, 'AuthorizationError');
  assert.equal((await api(f.fake.origin, 'GET', p.replace(f.app.environmentId, '00000000-0000-4000-8000-000000000000'), t.token)).status, 404);
  await f.ctl('POST', '/_control/forge/settings', { installationDetailsMinIntervalMs: 300000 });
  const limited = await api(f.fake.origin, 'GET', p, t.token);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  await f.ctl('POST', '/_control/forge/settings', { installationDetailsMinIntervalMs: 0 });
});

test('faults apply to the gateway and the JWKS', async () => {
  await f.ctl('POST', '/_control/faults', [
    { path: '/ex/jira/', status: 503, headers: { 'Retry-After': '1' }, body: { message: 'down' } },
    { path: '/forge/.well-known/jwks.json', status: 500 },
  ]);
  const t = await token(inst);
  const r = await api(f.fake.origin, 'POST', `${B()}/bulk`, t.token, { builds: [build(3)] });
  assert.equal(r.status, 503);
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal((await fetch(`${f.fake.origin}/forge/.well-known/jwks.json`)).status, 500);
  assert.equal((await fetch(`${f.fake.origin}/forge/.well-known/jwks.json`)).status, 200, 'consumed');
  assert.equal((await api(f.fake.origin, 'POST', `${B()}/bulk`, t.token, { builds: [build(3)] })).status, 202);
});
