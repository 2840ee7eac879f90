'use strict';
// The stand-in Jira page showing a Forge Custom UI module, and the bridge
// between the framed UI and that page. There is no browser here: the bridge
// (forge-bridge-core.js) and the page's host (forge-host-core.js) are the very
// functions the browser runs, wired together through fake windows whose
// postMessage behaves like the browser's (target origin enforced, structured
// clone, asynchronous delivery, event.source/event.origin of the sender), and
// invoke goes through the running fake to a real remote.
const test = require('node:test');
const assert = require('node:assert/strict');
const { setupCustomUi, decode } = require('./forge-helpers');
const { installForgeBridge } = require('../atlassian/forge-bridge-core');
const { createForgeHost } = require('../atlassian/forge-host-core');

let f;
let ui;
let cdn;
let inst;

let shared;
test.before(async () => {
  shared = await setupCustomUi();
  ({ f, ui, cdn, inst } = shared);
});
test.after(() => shared.close());

const pageOf = (p) => fetch(`${f.fake.origin}${p}`);
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function dataOf(html) {
  const body = html.match(/<body([^>]*)>/)[1];
  const data = {};
  for (const m of body.matchAll(/ data-([a-z-]+)="([^"]*)"/g)) data[m[1]] = unescape(m[2]);
  const frame = html.match(/<iframe id="app-frame"[^>]* data-src="([^"]+)"/);
  assert.ok(frame, html);
  assert.doesNotMatch(html, /<iframe[^>]* src=/, 'the host script sets src once it listens');
  return { data, frameUrl: new URL(unescape(frame[1])) };
}

test('the page frames the module resource index.html on the CDN, with the getContext answer', async () => {
  const res = await pageOf('/_jira/sites/acme/forge/tc-config?accountId=acc-7&width=640');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  const html = await res.text();
  assert.match(html, /<script src="\/_jira\/forge-host\.js" defer><\/script>/);
  assert.match(html, /width: 640px/);
  assert.match(html, /TeamCity for Jira settings/);
  const { data, frameUrl } = dataOf(html);
  assert.equal(frameUrl.origin, cdn);
  assert.equal(frameUrl.pathname, `/_forge/cdn/${inst.uuid}/admin-ui/index.html`);
  assert.equal(frameUrl.searchParams.get('frameId'), data['frame-id']);
  assert.match(data['frame-id'], /^[0-9a-f]{16}$/);
  assert.equal(data['cdn-origin'], cdn);
  assert.equal(data.installation, inst.uuid);
  assert.equal(data['account-id'], 'acc-7');
  assert.equal(data['module-key'], 'tc-config');
  assert.equal(data['issue-key'], '');
  const context = JSON.parse(data['forge-context']);
  const shared = (await f.ctl('GET', `/_control/forge/installations/${inst.uuid}/ui-context?moduleKey=tc-config&accountId=acc-7`)).json;
  assert.deepEqual(context, shared);
  assert.deepEqual(context, {
    accountId: 'acc-7', cloudId: f.site.cloudId, siteUrl: f.site.baseUrl, moduleKey: 'tc-config', localId: context.localId,
    environmentType: 'PRODUCTION', environmentId: f.app.environmentId, locale: 'en-US', timezone: 'UTC', extension: { type: 'jira:adminPage' },
  });
  // The frame's index.html is really there, bridge first.
  const index = await (await fetch(frameUrl)).text();
  assert.ok(index.includes(`data-parent-origin="${f.fake.origin}" data-frame-id="${data['frame-id']}"`), index);
});

test('the issue panel needs an issue; its context is the FIT context of the same issue', async () => {
  assert.equal((await pageOf('/_jira/sites/acme/forge/tc-issue-panel')).status, 400);
  assert.equal((await pageOf('/_jira/sites/acme/forge/tc-issue-panel?issueKey=abc-1')).status, 400);
  const refused = await pageOf('/_jira/sites/acme/forge/tc-admin?issueKey=ABC-12');
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error, /only for a jira:issuePanel/);

  const html = await (await pageOf('/_jira/sites/acme/forge/tc-issue-panel?issueKey=ABC-12')).text();
  const { data, frameUrl } = dataOf(html);
  assert.equal(frameUrl.pathname, `/_forge/cdn/${inst.uuid}/issue-panel-ui/index.html`);
  assert.equal(data['issue-key'], 'ABC-12');
  assert.equal(data['account-id'], 'admin-1', "default: the site's first admin");
  const context = JSON.parse(data['forge-context']);
  const fit = (await f.ctl('POST', '/_control/forge/fit', { installationId: inst.uuid, kind: 'ui', moduleKey: 'tc-issue-panel', issueKey: 'ABC-12' })).json.claims;
  assert.deepEqual(context.extension, fit.context.extension);
  assert.equal(context.extension.issue.key, 'ABC-12');
  assert.deepEqual(context.extension.project, { key: 'ABC', type: 'software' });
  assert.equal(context.localId, fit.context.localId);
});

test('404: unknown site or module, a module without a resource', async () => {
  for (const [p, re] of [['/_jira/sites/nope/forge/tc-config', /no site/], ['/_jira/sites/acme/forge/tc-nope', /no UI module/],
    ['/_jira/sites/acme/forge/tc-builds', /has no resource/], ['/_jira/sites/acme/forge/tc-token-tick', /has no resource/]]) {
    const res = await pageOf(p);
    assert.equal(res.status, 404, p);
    assert.match((await res.json()).error, re, p);
  }
});

test('409: no installation, several without appId, an app without resourcesDir; appId picks one', async () => {
  await f.ctl('POST', '/_control/sites', { name: 'empty', admins: ['admin-1'] });
  const none = await pageOf('/_jira/sites/empty/forge/tc-config');
  assert.equal(none.status, 409);
  assert.match((await none.json()).error, /no active Forge installation/);

  // A second app on a site of its own, then on acme as well.
  const second = (await f.ctl('POST', '/_control/forge/apps', { remoteBaseUrl: f.remote.base })).json;
  await f.ctl('POST', '/_control/sites', { name: 'second', admins: ['admin-1'] });
  await f.ctl('POST', '/_control/forge/installations', { appId: second.appId, site: 'second', sendEvent: false });
  const noDir = await pageOf('/_jira/sites/second/forge/tc-config');
  assert.equal(noDir.status, 409);
  assert.match((await noDir.json()).error, /has no resourcesDir/);

  const other = (await f.ctl('POST', '/_control/forge/installations', { appId: second.appId, site: 'acme', sendEvent: false })).json.installation;
  const several = await pageOf('/_jira/sites/acme/forge/tc-config');
  assert.equal(several.status, 409);
  assert.match((await several.json()).error, /2 active Forge installations.*pass appId/);
  const picked = await pageOf(`/_jira/sites/acme/forge/tc-config?appId=${encodeURIComponent(f.app.appId)}`);
  assert.equal(picked.status, 200);
  assert.equal(dataOf(await picked.text()).data.installation, inst.uuid);
  await f.ctl('POST', `/_control/forge/installations/${other.uuid}/uninstall`, { preUninstall: false });
  assert.equal((await pageOf('/_jira/sites/acme/forge/tc-config')).status, 200, 'an uninstalled installation does not count');
});

test('forge-host.js embeds the host the tests below exercise', async () => {
  const res = await pageOf('/_jira/forge-host.js');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /javascript/);
  const js = await res.text();
  assert.ok(js.includes(createForgeHost.toString()));
  assert.match(js, /window\.__fakeForge = host\.record/);
  assert.match(js, /frame\.src = frame\.getAttribute\('data-src'\)/);
});

// --- the bridge and the host, through fake windows -------------------------

function fakeWindow() {
  const listeners = [];
  return {
    addEventListener(type, fn) { listeners.push([type, fn]); },
    fire(type, event) { for (const [t, fn] of listeners) if (t === type) fn(event); },
  };
}

// A page window and a framed window. Each side holds a proxy of the other
// (frame.parent, the page's frame.contentWindow); a message posted through a
// proxy arrives with the sender's proxy as event.source and the sender's
// origin, and only if the target origin matches, as in a browser.
function framePair(pageOrigin, frameOrigin, height = 321) {
  const page = fakeWindow();
  const frame = fakeWindow();
  const parentProxy = {};
  const frameProxy = {};
  const deliver = (target, targetOrigin, source, sourceOrigin) => (data, wanted) => {
    const copy = structuredClone(data); // throws DataCloneError like the browser
    if (wanted !== targetOrigin) return;
    setImmediate(() => target.fire('message', { source, origin: sourceOrigin, data: copy }));
  };
  parentProxy.postMessage = deliver(page, pageOrigin, frameProxy, frameOrigin);
  frameProxy.postMessage = deliver(frame, frameOrigin, parentProxy, pageOrigin);
  frame.parent = parentProxy;
  frame.document = { documentElement: { getBoundingClientRect: () => ({ height }) } };
  return { page, frame, parentProxy, frameProxy };
}

const tick = () => new Promise((r) => setImmediate(r));

async function bridgeToPage({ moduleKey = 'tc-issue-panel', issueKey = 'ABC-12', height } = {}) {
  const pair = framePair(f.fake.origin, cdn, height);
  const context = (await f.ctl('GET', `/_control/forge/installations/${inst.uuid}/ui-context?moduleKey=${moduleKey}${issueKey ? `&issueKey=${issueKey}` : ''}`)).json;
  const heights = [];
  const host = createForgeHost({
    controlOrigin: f.fake.origin, installation: inst.uuid, accountId: 'admin-1', moduleKey, issueKey, context, fetch,
    setHeight: (h) => heights.push(h),
  });
  host.listen(pair.page, () => pair.frameProxy, cdn, 'frame-1');
  const bridge = installForgeBridge(pair.frame, f.fake.origin, 'frame-1');
  return { pair, host, bridge, heights, context };
}

test('invoke: the remote gets a UI FIT of the panel and issue; the answer comes back as @forge/bridge expects', async () => {
  const { host, bridge } = await bridgeToPage();
  f.remote.received.length = 0;
  f.remote.answer = () => ({ status: 200, headers: { 'X-Trace': 't-1' }, body: { ok: true, items: [1, 2] } });
  const r = await bridge.callBridge('invoke', { path: '/api/v1/panel?x=1', method: 'POST', headers: { 'x-custom': 'c' }, body: { q: 'ABC-12' }, invokeType: 'ui-remote-fetch' });
  assert.equal(r.success, true);
  assert.equal(r.payload.status, 200);
  assert.deepEqual(r.payload.body, { ok: true, items: [1, 2] });
  assert.deepEqual(r.payload.headers['x-trace'], ['t-1']);
  assert.deepEqual(r.payload.headers['content-type'], ['application/json']);
  const got = f.remote.received[0];
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/api/v1/panel?x=1');
  assert.deepEqual(got.body, { q: 'ABC-12' });
  assert.equal(got.headers['x-custom'], 'c');
  const fit = decode(got.headers.authorization.replace(/^Bearer /, '')).claims;
  assert.equal(fit.principal, 'admin-1');
  assert.deepEqual(fit.app.module, { type: 'jira:issuePanel', key: 'tc-issue-panel' });
  assert.equal(fit.context.extension.issue.key, 'ABC-12');

  // No body: the payload has none.
  f.remote.answer = () => ({ status: 204 });
  const empty = await bridge.callBridge('invoke', { path: '/api/v1/none', method: 'DELETE', invokeType: 'ui-remote-fetch' });
  assert.deepEqual(empty, { success: true, payload: { status: 204, headers: empty.payload.headers } });
  assert.equal('body' in empty.payload, false);
  assert.equal(host.record.invocations, 2);
  assert.deepEqual(host.record.calls, [{ path: '/api/v1/panel?x=1', method: 'POST', status: 200 }, { path: '/api/v1/none', method: 'DELETE', status: 204 }]);
});

test('invoke: a rejected call rejects the bridge promise with the reason and is recorded', async () => {
  const { host, bridge } = await bridgeToPage({ moduleKey: 'tc-config', issueKey: null });
  f.remote.answer = () => ({ status: 401, body: { message: 'no' } });
  await assert.rejects(bridge.callBridge('invoke', { path: '/api/v1/x', method: 'GET', invokeType: 'ui-remote-fetch' }),
    { message: 'Remote could not verify the Forge Invocation Token' });
  f.remote.answer = () => ({ status: 500, body: 'oops', headers: { 'Content-Type': 'text/plain' } });
  await assert.rejects(bridge.callBridge('invoke', { path: '/api/v1/y', invokeType: 'ui-remote-fetch' }), /bad content type text\/plain/);
  // A non-2xx with a JSON body resolves, as in Forge.
  f.remote.answer = () => ({ status: 409, body: { error: 'busy' } });
  const conflict = await bridge.callBridge('invoke', { path: '/api/v1/z', method: 'PUT', body: {}, invokeType: 'ui-remote-fetch' });
  assert.equal(conflict.payload.status, 409);
  // The fake refusing the call (bad method) rejects too.
  await assert.rejects(bridge.callBridge('invoke', { path: '/api/v1/z', method: 'TRACE', invokeType: 'ui-remote-fetch' }), /method must be one of/);
  assert.equal(host.record.invocations, 4);
  assert.deepEqual(host.record.calls.map((c) => [c.path, c.method, c.status || c.error]), [
    ['/api/v1/x', 'GET', 'Remote could not verify the Forge Invocation Token'],
    ['/api/v1/y', 'POST', 'bad content type text/plain'],
    ['/api/v1/z', 'PUT', 409],
    ['/api/v1/z', 'TRACE', host.record.calls[3].error],
  ]);
  // A payload the browser cannot clone fails the call in the frame.
  await assert.rejects(bridge.callBridge('invoke', { path: '/x', body: () => 1, invokeType: 'ui-remote-fetch' }), /could not be cloned/);
});

test('getContext, navigate, resize; anything else is refused and recorded', async () => {
  const { host, bridge, pair, heights, context } = await bridgeToPage({ height: 321 });
  assert.deepEqual(await bridge.callBridge('getContext'), context);
  assert.equal(await bridge.callBridge('navigate', { url: 'https://example.com/a', type: 'new-tab' }), null);
  await bridge.callBridge('navigate', { target: 'issue', issueKey: 'ABC-1', type: 'same-tab' });
  assert.deepEqual(host.record.navigations, [
    { type: 'new-tab', url: 'https://example.com/a' },
    { type: 'same-tab', location: { target: 'issue', issueKey: 'ABC-1' } },
  ]);
  await assert.rejects(bridge.callBridge('showFlag', { id: 1 }), { message: 'showFlag is not supported by the stand-in' });
  await assert.rejects(bridge.callBridge('invoke', { functionKey: 'resolver' }), { message: 'invoke:function is not supported by the stand-in' });
  await assert.rejects(bridge.callBridge('invoke', { path: '/x', invokeType: 'ui-container-fetch' }), /invoke:ui-container-fetch/);
  assert.deepEqual(host.record.unsupported, ['showFlag', 'invoke:function', 'invoke:ui-container-fetch']);

  // On load the frame reports its content height; the page clamps it.
  pair.frame.fire('load', {});
  for (let i = 0; i < 20 && heights.length === 0; i++) await tick();
  assert.deepEqual(heights, [321]);
  await bridge.callBridge('resize', { height: 5 });
  await bridge.callBridge('resize', { height: 99999 });
  assert.deepEqual(heights, [321, 100, 20000]);
  assert.equal(host.record.resizes, 3);
});

test('messages from another window or origin are ignored on both sides', async () => {
  const { host, pair } = await bridgeToPage();
  const before = host.record.unsupported.length;
  // To the page: the right origin from a stranger window, the frame from a wrong origin, a wrong frame id.
  pair.page.fire('message', { source: {}, origin: cdn, data: { type: 'tcj-fake-forge', id: 1, frameId: 'frame-1', name: 'x1', payload: null } });
  pair.page.fire('message', { source: pair.frameProxy, origin: 'http://evil.example', data: { type: 'tcj-fake-forge', id: 2, frameId: 'frame-1', name: 'x2', payload: null } });
  pair.page.fire('message', { source: pair.frameProxy, origin: cdn, data: { type: 'tcj-fake-forge', id: 3, frameId: 'frame-2', name: 'x3', payload: null } });
  await tick();
  assert.equal(host.record.unsupported.length, before);

  // To the frame: a call whose answer is forged by a stranger stays pending until the page answers.
  const lonely = framePair(f.fake.origin, cdn);
  const b = installForgeBridge(lonely.frame, f.fake.origin, 'frame-1');
  let settled = null;
  b.callBridge('getContext').then((v) => { settled = v; });
  lonely.frame.fire('message', { source: {}, origin: f.fake.origin, data: { type: 'tcj-fake-forge-reply', id: 1, ok: true, result: 'forged' } });
  lonely.frame.fire('message', { source: lonely.parentProxy, origin: 'http://evil.example', data: { type: 'tcj-fake-forge-reply', id: 1, ok: true, result: 'forged' } });
  await tick();
  assert.equal(settled, null);
  lonely.frame.fire('message', { source: lonely.parentProxy, origin: f.fake.origin, data: { type: 'tcj-fake-forge-reply', id: 1, ok: true, result: 'real' } });
  await tick();
  assert.equal(settled, 'real');

  // Outside a frame the bridge refuses at once.
  const alone = fakeWindow();
  alone.parent = alone;
  await assert.rejects(installForgeBridge(alone, f.fake.origin, 'x').callBridge('getContext'), /not inside the stand-in Jira page/);
});
