'use strict';
// The invocation driver: lifecycle events with retries, scheduled ticks,
// preUninstall, reinstall/upgrade, and UI invokeRemote with its limits.
const test = require('node:test');
const assert = require('node:assert/strict');
const { setupForge, api, decode, verifyFit, sleep } = require('./forge-helpers');
const { build } = require('./jira-helpers');

let f;
const jwks = async () => (await fetch(`${f.fake.origin}/forge/.well-known/jwks.json`)).json();
const answer = (fn) => { f.remote.answer = fn; };
const install = async (body = {}) => {
  const r = await f.ctl('POST', '/_control/forge/installations', { appId: f.app.appId, site: 'acme', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
};

// Timeouts of 1 s: long enough for a loaded CI machine, short enough for the hang cases.
test.before(async () => { f = await setupForge({ settings: { retryDelayMs: 50, triggerTimeoutMs: 1000, uiTimeoutMs: 1000 } }); });
test.after(() => f.close());
test.beforeEach(async () => {
  answer(() => ({ status: 204 }));
  f.remote.received.length = 0;
  for (const i of (await f.ctl('GET', '/_control/forge/installations?status=active')).json) {
    await f.ctl('POST', `/_control/forge/installations/${i.uuid}/uninstall`, { preUninstall: false });
  }
  f.remote.received.length = 0;
});

test('installed event: POST to the trigger route with FIT, trace ids and a usable system token', async () => {
  const { installation, invocations } = await install({ installerAccountId: 'admin-1' });
  assert.equal(invocations.length, 1);
  assert.equal(invocations[0].state, 'delivered');
  assert.equal(invocations[0].retryCount, 0);
  const got = f.remote.received[0];
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/forge/lifecycle');
  assert.match(got.headers['x-b3-traceid'], /^[0-9a-f]{32}$/);
  assert.match(got.headers['x-b3-spanid'], /^[0-9a-f]{16}$/);
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['x-forge-oauth-user'], undefined, 'no user on triggers');
  const fit = verifyFit(got.headers.authorization.replace(/^Bearer /, ''), await jwks(), f.app.appId);
  assert.equal(fit.app.installationId, installation.id);
  assert.deepEqual(fit.app.module, { type: 'core:endpoint', key: 'remote-lifecycle' });
  assert.deepEqual(got.body, {
    payload: {
      id: installation.uuid, app: { id: f.app.appId.split('/').pop(), version: '1.0.0', name: 'TeamCity for Jira' },
      environment: { id: f.app.environmentId }, eventType: 'avi:forge:installed:app', installerAccountId: 'admin-1',
    },
    context: { cloudId: f.site.cloudId, moduleKey: 'tc-lifecycle' },
  });
  const system = got.headers['x-forge-oauth-system'];
  assert.ok(decode(system).claims.exp > Date.now() / 1000 + 3 * 3600);
  const r = await api(fit.app.apiBaseUrl.replace(/\/ex\/jira\/.*/, ''), 'POST', `/ex/jira/${fit.app.installation.contexts[0].cloudId}/rest/builds/0.1/bulk`, system, { builds: [build(1)] });
  assert.equal(r.status, 202, 'the delivered token works at apiBaseUrl');
});

test('retries: 401, 5xx and timeouts give retryContext; stops after 4 retries', async () => {
  const plan = [{ status: 401, body: { message: 'bad FIT' } }, { status: 500 }, 'hang', { status: 302, headers: { Location: '/x' } }, { status: 503 }];
  answer((_req, n) => plan[n] || { status: 204 });
  const t0 = Date.now();
  const { invocations } = await install({ wait: 'final' });
  const inv = invocations[0];
  assert.equal(inv.state, 'failed');
  assert.equal(inv.retryCount, 4);
  assert.equal(inv.attempts.length, 5);
  assert.deepEqual(inv.attempts.map((a) => a.status), [401, 500, 0, 302, 503]);
  assert.equal(inv.attempts[2].error, 'timeout');
  assert.ok(Date.now() - t0 >= 4 * 50 + 1000, 'spaced by retryDelayMs');
  const contexts = f.remote.received.map((r) => r.body.payload.retryContext);
  assert.equal(contexts[0], undefined, 'first attempt has no retryContext');
  assert.deepEqual(contexts.slice(1), [
    { retryCount: 1, retryReason: 'INVALID_FORGE_INVOCATION_TOKEN', retryData: null },
    { retryCount: 2, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR', retryData: null },
    { retryCount: 3, retryReason: 'TIMEOUT_ERROR', retryData: null },
    { retryCount: 4, retryReason: 'INVALID_REMOTE_INVOCATION_ERROR', retryData: null },
  ]);
  const jtis = new Set(f.remote.received.map((r) => decode(r.headers.authorization.slice(7)).claims.jti));
  assert.equal(jtis.size, 5, 'a fresh FIT per attempt');
  await sleep(200);
  assert.equal(f.remote.received.length, 5, 'no fifth retry');
  const logged = (await f.ctl('GET', `/_control/forge/invocations/${inv.id}`)).json;
  assert.equal(logged.state, 'failed');
});

test('a retry that succeeds ends the invocation; the control answer can wait for the first attempt only', async () => {
  answer((_req, n) => (n === 0 ? { status: 500 } : { status: 200 }));
  const { installation, invocations } = await install();
  assert.equal(invocations[0].state, 'retrying');
  assert.equal(invocations[0].status, 500);
  let inv;
  for (let i = 0; i < 100; i++) {
    inv = (await f.ctl('GET', `/_control/forge/invocations?installationId=${installation.uuid}`)).json.invocations[0];
    if (inv.state !== 'retrying') break;
    await sleep(30);
  }
  assert.equal(inv.state, 'delivered');
  assert.equal(inv.retryCount, 1);
});

test('scheduled tick: fresh system token, no user; preUninstall then uninstall', async () => {
  const { installation } = await install({ sendEvent: false });
  const tick = (await f.ctl('POST', `/_control/forge/installations/${installation.uuid}/tick`, {})).json.invocations[0];
  assert.equal(tick.state, 'delivered');
  const got = f.remote.received[0];
  assert.equal(got.url, '/forge/tick');
  assert.ok(got.headers['x-forge-oauth-system']);
  assert.equal(got.headers['x-forge-oauth-user'], undefined);
  assert.deepEqual(got.body, { payload: {}, context: { cloudId: f.site.cloudId, moduleKey: 'tc-token-tick' } });

  const un = (await f.ctl('POST', `/_control/forge/installations/${installation.uuid}/uninstall`, {})).json;
  assert.equal(un.installation.status, 'uninstalled');
  assert.equal(un.invocations[0].kind, 'preUninstall');
  assert.equal(un.invocations[0].payload.contextToken, '(redacted)');
  const pre = f.remote.received[1];
  assert.equal(pre.url, '/forge/pre-uninstall');
  assert.deepEqual(pre.body.context, { cloudId: f.site.cloudId, moduleKey: 'tc-pre-uninstall' });
  const ct = decode(pre.body.contextToken);
  assert.equal(ct.claims.iss, 'forge/context-token');
  assert.match(ct.header.kid, /^forge\/context-token\//);
  assert.throws(() => verifyFit(pre.body.contextToken, { keys: [] }, f.app.appId), /unknown kid/);
  verifyFit(pre.headers.authorization.slice(7), await jwks(), f.app.appId);
  assert.equal((await f.ctl('POST', `/_control/forge/installations/${installation.uuid}/tick`, {})).status, 409, 'no ticks after uninstall');
});

test('reinstall: new installation id, same cloudId; upgrade event only on a major version', async () => {
  const first = (await install()).installation;
  const re = (await f.ctl('POST', `/_control/forge/installations/${first.uuid}/reinstall`, {})).json;
  assert.notEqual(re.installation.id, first.id);
  assert.equal(re.installation.cloudId, first.cloudId);
  assert.equal(re.previousInstallationId, first.id);
  assert.deepEqual(re.invocations.map((i) => i.kind), ['preUninstall', 'lifecycle']);
  assert.equal((await f.ctl('GET', `/_control/forge/installations/${first.uuid}`)).json.status, 'uninstalled');
  const fit = decode(f.remote.received.at(-1).headers.authorization.slice(7)).claims;
  assert.equal(fit.app.installationId, re.installation.id);

  const uuid = re.installation.uuid;
  const minor = (await f.ctl('POST', `/_control/forge/installations/${uuid}/upgrade`, { appVersion: '1.1.0' })).json;
  assert.equal(minor.invocations.length, 0);
  const scopes = [...re.installation.scopes, 'read:jira-work'];
  const majorUp = (await f.ctl('POST', `/_control/forge/installations/${uuid}/upgrade`, { appVersion: '2.0.0', scopes })).json;
  assert.equal(majorUp.invocations.length, 1);
  const ev = f.remote.received.at(-1).body.payload;
  assert.equal(ev.eventType, 'avi:forge:upgraded:app');
  assert.equal(ev.app.version, '2.0.0');
  assert.equal(ev.upgraderAccountId, 'admin-1');
  assert.deepEqual(ev.permissions, { scopes, external: {} });
  assert.equal(decode(f.remote.received.at(-1).headers.authorization.slice(7)).claims.app.appVersion, '2.0.0');
});

test('invokeRemote: any method to baseUrl+path with a UI FIT, user token and custom headers', async () => {
  const { installation } = await install({ sendEvent: false });
  const url = `/_control/forge/installations/${installation.uuid}/invoke`;
  answer(() => ({ status: 200, headers: { 'x-custom': 'yes' }, body: { ok: true } }));
  const r = (await f.ctl('POST', url, { method: 'PUT', path: '/api/v1/servers/1', body: { name: 'tc' }, headers: { 'x-app': 'a', authorization: 'nope' }, accountId: 'admin-1' })).json;
  assert.equal(r.outcome, 'resolved');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: true });
  assert.equal(r.headers['x-custom'], 'yes');
  const got = f.remote.received.at(-1);
  assert.equal(got.method, 'PUT');
  assert.equal(got.url, '/api/v1/servers/1');
  assert.deepEqual(got.body, { name: 'tc' });
  assert.equal(got.headers['x-app'], 'a');
  assert.ok(got.headers['x-forge-oauth-system'] && got.headers['x-forge-oauth-user']);
  const fit = verifyFit(got.headers.authorization.slice(7), await jwks(), f.app.appId);
  assert.equal(fit.principal, 'admin-1');
  assert.equal(fit.context.moduleKey, 'tc-config');
  const me = await api(f.fake.origin, 'GET', `/ex/jira/${f.site.cloudId}/rest/api/3/mypermissions?permissions=ADMINISTER`, got.headers['x-forge-oauth-user']);
  assert.equal(me.json.permissions.ADMINISTER.havePermission, true);

  const get = (await f.ctl('POST', url, { method: 'GET', path: '/api/v1/servers' })).json;
  assert.equal(get.outcome, 'resolved');
  assert.equal(f.remote.received.at(-1).bytes, 0);
});

test('invokeRemote limits and response rules: 500 KB request, 401, non-JSON errors, size, timeout', async () => {
  const { installation } = await install({ sendEvent: false });
  const invoke = async (body) => (await f.ctl('POST', `/_control/forge/installations/${installation.uuid}/invoke`, body)).json;
  const sent = f.remote.received.length;
  const big = await invoke({ path: '/api/x', body: { data: 'x'.repeat(500 * 1024) } });
  assert.equal(big.outcome, 'rejected');
  assert.match(big.error, /request payload too large/);
  assert.equal(big.status, null);
  assert.equal(f.remote.received.length, sent, 'never sent');
  const fits = await invoke({ path: '/api/x', body: { data: 'x'.repeat(500 * 1024 - 20) } });
  assert.equal(fits.outcome, 'resolved');
  assert.equal(f.remote.received.at(-1).bytes, 500 * 1024 - 9);

  answer(() => ({ status: 401, body: { error: 'no' } }));
  const unauth = await invoke({ path: '/api/x' });
  assert.equal(unauth.outcome, 'rejected');
  assert.equal(unauth.error, 'Remote could not verify the Forge Invocation Token');
  assert.equal(unauth.status, 401);
  answer(() => ({ status: 400, body: { errors: ['bad'] } }));
  const json400 = await invoke({ path: '/api/x' });
  assert.equal(json400.outcome, 'resolved', 'non-2xx with a JSON body resolves');
  assert.deepEqual(json400.body, { errors: ['bad'] });
  answer(() => ({ status: 500, headers: { 'Content-Type': 'text/html' }, body: '<h1>oops</h1>' }));
  assert.match((await invoke({ path: '/api/x' })).error, /bad content type/);
  answer(() => ({ status: 500, headers: { 'Content-Type': 'application/json' }, body: 'not json' }));
  assert.match((await invoke({ path: '/api/x' })).error, /without a JSON body/);
  answer(() => ({ status: 302, headers: { Location: '/elsewhere' } }));
  assert.match((await invoke({ path: '/api/x' })).error, /redirects/);

  await f.ctl('POST', '/_control/forge/settings', { invokeResponseMaxBytes: 1000 });
  answer(() => ({ status: 200, body: { d: 'y'.repeat(2000) } }));
  assert.equal((await invoke({ path: '/api/x' })).error, 'response too large');
  await f.ctl('POST', '/_control/forge/settings', { invokeResponseMaxBytes: 5 * 1024 * 1024 });
  answer(() => 'hang');
  const slow = await invoke({ path: '/api/x' });
  assert.equal(slow.error, 'timeout');

  const log = (await f.ctl('GET', `/_control/forge/invocations?installationId=${installation.uuid}&kind=ui`)).json;
  assert.ok(log.count >= 8);
  assert.ok(log.invocations.every((i) => i.attempts.length <= 1), 'no retries for UI calls');
  const tokens = f.remote.received.flatMap((r) => [r.headers.authorization.slice(7), r.headers['x-forge-oauth-system'], r.headers['x-forge-oauth-user']]).filter(Boolean);
  const everything = JSON.stringify((await f.ctl('GET', '/_control/forge/invocations')).json);
  assert.ok(tokens.every((t) => !everything.includes(t)), 'no token values in the invocation log');
});

test('reset cancels pending retries', async () => {
  await f.ctl('POST', '/_control/forge/settings', { retryDelayMs: 60000 });
  answer(() => ({ status: 500 }));
  await install();
  assert.ok(f.fake.app.state.forge.pending.size >= 1);
  await f.ctl('POST', '/_control/reset');
  assert.equal(f.fake.app.state.forge.pending.size, 0);
  assert.equal((await f.ctl('GET', '/_control/forge/settings')).json.retryDelayMs, 60000, 'reset restores the defaults');
  assert.equal((await f.ctl('GET', '/_control/forge/installations')).json.length, 0);
});
