'use strict';
// The stand-in Forge CDN: Custom UI resources of an app's resourcesDir served on
// a second origin with Forge's strict CSP, the bridge injected into index.html,
// and no way out of the resource folder.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { setupCustomUi } = require('./forge-helpers');

let f;
let ui;
let cdn;
let inst;

// Sends the path byte for byte: fetch and http.request(url) would normalise
// "..", "%2e%2e" and "//" away before they reach the server.
function rawGet(origin, rawPath, method = 'GET') {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const base = () => `/_forge/cdn/${inst.uuid}/admin-ui`;

function assertCsp(res, what) {
  const policy = res.headers['content-security-policy'];
  assert.ok(policy, `${what}: CSP header`);
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "font-src 'self' data:",
    "connect-src 'none'", `frame-ancestors ${f.fake.origin}`]) {
    assert.ok(policy.split('; ').includes(d), `${what}: ${d} in ${policy}`);
  }
  assert.equal(res.headers['cache-control'], 'no-store', what);
}

let shared;
test.before(async () => {
  shared = await setupCustomUi();
  ({ f, ui, cdn, inst } = shared);
});
test.after(() => shared.close());

test('the CDN is a second origin on the same host; the app lists its resources', async () => {
  const main = new URL(f.fake.origin);
  const other = new URL(cdn);
  assert.equal(other.hostname, main.hostname);
  assert.notEqual(other.port, main.port);
  assert.equal(f.app.resourcesDir, ui.resourcesDir);
  assert.deepEqual(f.app.resources, [{ key: 'admin-ui', path: 'static/admin' }, { key: 'issue-panel-ui', path: 'static/issue-panel' }]);
  assert.equal(f.app.modules['jira:issuePanel'][0].resource, 'issue-panel-ui');
  // Resources are only on the CDN's origin.
  assert.equal((await rawGet(f.fake.origin, `${base()}/main.js`)).status, 404);
});

test('files come with their content type, no-store, nosniff and the CSP', async () => {
  const types = {
    'main.js': 'text/javascript; charset=utf-8', 'chunk.mjs': 'text/javascript; charset=utf-8', 'main.css': 'text/css; charset=utf-8',
    'logo.svg': 'image/svg+xml', 'icon.png': 'image/png', 'data.json': 'application/json; charset=utf-8',
    'main.js.map': 'application/json; charset=utf-8', 'index.html': 'text/html; charset=utf-8', 'alias.css': 'text/css; charset=utf-8',
  };
  for (const [file, type] of Object.entries(types)) {
    const res = await rawGet(cdn, `${base()}/${file}`);
    assert.equal(res.status, 200, file);
    assert.equal(res.headers['content-type'], type, file);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', file);
    assertCsp(res, file);
  }
  assert.equal((await rawGet(cdn, `${base()}/main.css`)).body, fs.readFileSync(path.join(ui.resourcesDir, 'static/admin/main.css'), 'utf8'));
  const panel = await rawGet(cdn, `/_forge/cdn/${inst.uuid}/issue-panel-ui/index.html`);
  assert.match(panel.body, /<title>issue panel<\/title>/);
});

test('index.html gets the bridge script as the first child of <head>', async () => {
  const res = await rawGet(cdn, `${base()}/index.html?frameId=frame-7`);
  const tag = `<script src="/_forge/bridge.js" data-parent-origin="${f.fake.origin}" data-frame-id="frame-7"></script>`;
  assert.ok(res.body.includes(`<head>${tag}\n<meta charset="utf-8">`), res.body);
  assert.ok(res.body.indexOf(tag) < res.body.indexOf('src="main.js"'), 'before the app scripts');
  // The folder itself serves index.html; a bad frame id is dropped, not echoed.
  const folder = await rawGet(cdn, `${base()}/?frameId="><script>`);
  assert.equal(folder.status, 200);
  assert.ok(folder.body.includes('data-frame-id=""'), folder.body);
  // A page without <head> or <html> still gets it first.
  const sub = await rawGet(cdn, `${base()}/sub/`);
  assert.ok(sub.body.startsWith('<script src="/_forge/bridge.js"'), sub.body);
  // Other files are served as they are.
  assert.equal((await rawGet(cdn, `${base()}/main.js`)).body, 'console.log("admin");\n');
});

test('a folder without its slash redirects (relative URLs in its index.html must resolve inside it)', async () => {
  const top = await rawGet(cdn, `${base()}?frameId=x`);
  assert.equal(top.status, 301);
  assert.equal(top.headers.location, `${base()}/?frameId=x`);
  assertCsp(top, 'redirect');
  const sub = await rawGet(cdn, `${base()}/sub`);
  assert.equal(sub.status, 301);
  assert.equal(sub.headers.location, `${base()}/sub/`);
});

test('traversal, encoded traversal, absolute paths and symlinks leaving the folder: 404', async () => {
  assert.equal((await rawGet(cdn, `/_forge/cdn/${inst.uuid}/admin-ui/alias.css`)).status, 200, 'a symlink inside is fine');
  const attempts = [
    '/../secret.txt', '/../../outside.txt', '/%2e%2e/secret.txt', '/%2E%2E/%2E%2E/outside.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt',
    '/sub/..%5c..%5csecret.txt', '/%2fetc%2fpasswd', '//etc/passwd', '/sub//index.html', '/./main.js', '/%2e/main.js', '/escape.txt',
    '/main.js%00.png', '/%zz', '/nope.js',
  ];
  for (const a of attempts) {
    const res = await rawGet(cdn, `${base()}${a}`);
    assert.equal(res.status, 404, a);
    assert.doesNotMatch(res.body, /beside|outside the resources|root:/, a);
    assertCsp(res, a);
  }
});

test('unknown installation or resource, an uninstalled installation: 404; other methods: 405', async () => {
  for (const p of [`/_forge/cdn/00000000-0000-4000-8000-000000000000/admin-ui/index.html`, `/_forge/cdn/${inst.uuid}/nope/index.html`,
    `/_forge/cdn/${inst.uuid}/static/admin/index.html`, '/_forge/cdn/', '/elsewhere']) {
    const res = await rawGet(cdn, p);
    assert.equal(res.status, 404, p);
    assertCsp(res, p);
  }
  const post = await rawGet(cdn, `${base()}/index.html`, 'POST');
  assert.equal(post.status, 405);
  assertCsp(post, 'POST');

  const other = await f.ctl('POST', '/_control/sites', { name: 'cdn-other', admins: ['admin-1'] });
  assert.equal(other.status, 201);
  const gone = (await f.ctl('POST', '/_control/forge/installations', { appId: f.app.appId, site: 'cdn-other', sendEvent: false })).json.installation;
  assert.equal((await rawGet(cdn, `/_forge/cdn/${gone.uuid}/admin-ui/index.html`)).status, 200);
  await f.ctl('POST', `/_control/forge/installations/${gone.uuid}/uninstall`, { preUninstall: false });
  assert.equal((await rawGet(cdn, `/_forge/cdn/${gone.uuid}/admin-ui/index.html`)).status, 404);
});

test('bridge.js is JavaScript under the same CSP; CDN requests are logged and can be faulted', async () => {
  const res = await rawGet(cdn, '/_forge/bridge.js');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.match(res.body, /function installForgeBridge\(win, parentOrigin, frameId\)/);
  assert.match(res.body, /document\.currentScript/);
  assertCsp(res, 'bridge.js');

  const logged = (await f.ctl('GET', '/_control/requests?path=/_forge/bridge.js')).json;
  assert.ok(logged.entries.some((e) => e.status === 200), JSON.stringify(logged));
  await f.ctl('POST', '/_control/faults', { path: `${base()}/main.js`, status: 503, body: 'down' });
  assert.equal((await rawGet(cdn, `${base()}/main.js`)).status, 503);
  assert.equal((await rawGet(cdn, `${base()}/main.js`)).status, 200);
});

test('resourcesDir and resources are checked when an app is registered or updated', async () => {
  const register = (extra) => f.ctl('POST', '/_control/forge/apps', { remoteBaseUrl: 'http://127.0.0.1:9', ...extra });
  const bad = [
    [{ resourcesDir: 'relative/dir' }, /absolute path/],
    [{ resourcesDir: path.join(ui.dir, 'missing') }, /does not exist/],
    [{ resourcesDir: path.join(ui.dir, 'outside.txt') }, /not a directory/],
    [{ resources: [{ key: 'admin-ui', path: '../x' }, { key: 'issue-panel-ui', path: 'y' }] }, /relative folder path/],
    [{ resources: [{ key: 'admin-ui', path: '/abs' }, { key: 'issue-panel-ui', path: 'y' }] }, /relative folder path/],
    [{ resources: [{ key: 'admin-ui', path: 'a' }] }, /issue-panel-ui is not declared/],
    [{ resources: [{ key: 'a b', path: 'a' }] }, /resources\[\]\.key/],
  ];
  for (const [extra, message] of bad) {
    const r = await register(extra);
    assert.equal(r.status, 400, JSON.stringify(extra));
    assert.match(r.json.error, message);
  }
  const fresh = await register({});
  assert.equal(fresh.status, 201);
  assert.equal(fresh.json.resourcesDir, null);
  const update = (body) => f.ctl('POST', `/_control/forge/apps/${fresh.json.appId.split('/').pop()}`, body);
  assert.equal((await update({ resourcesDir: 'nope' })).status, 400);
  const set = await update({ resourcesDir: ui.resourcesDir, resources: [{ key: 'admin-ui', path: 'static/admin/' }, { key: 'issue-panel-ui', path: 'static/issue-panel' }] });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.resourcesDir, ui.resourcesDir);
  assert.equal(set.json.resources[0].path, 'static/admin');
  assert.equal((await update({ resourcesDir: null })).json.resourcesDir, null);
});
