'use strict';
// The stand-in Jira pages that frame the app: the iframe URL carries Jira's parameters and a jwt
// that atlassian-jwt accepts for exactly that request (as the app must check it), and the stand-in
// all.js and host script are served.
const test = require('node:test');
const assert = require('node:assert/strict');
const jwt = require('atlassian-jwt');
const { setupSite, SECRET } = require('./jira-helpers');
const { control } = require('./helpers');

let env;
test.before(async () => { env = await setupSite('acme', { clientKey: 'client-key-acme' }); });
test.after(() => env.fake.close());

function iframeSrc(html) {
  const m = html.match(/<iframe id="app-frame"[^>]* src="([^"]+)"/);
  assert.ok(m, html);
  return m[1].replace(/&amp;/g, '&');
}

function checkToken(src, path, accountId) {
  const url = new URL(src);
  assert.equal(url.origin + url.pathname, `http://127.0.0.1:8080${path}`);
  assert.equal(url.searchParams.get('xdm_e'), env.fake.origin);
  for (const p of ['xdm_c', 'cp', 'lic', 'cv']) assert.ok(url.searchParams.has(p), p);
  const token = url.searchParams.get('jwt');
  const claims = jwt.decodeSymmetric(token, SECRET, 'HS256');
  assert.equal(claims.iss, 'client-key-acme');
  assert.equal(claims.sub, accountId);
  assert.ok(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 181);
  // The qsh covers GET path and every parameter but jwt, relative to the app's base URL.
  const request = jwt.fromMethodAndUrl('GET', src);
  assert.equal(claims.qsh, jwt.createQueryStringHash(request, false, 'http://127.0.0.1:8080'));
  return url;
}

test('the configure page frames /jira/configure with a request token for the user', async () => {
  const res = await fetch(`${env.fake.origin}/_jira/sites/acme/configure?accountId=acc-7&width=600`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  const html = await res.text();
  assert.match(html, /data-account-id="acc-7"/);
  assert.match(html, /data-app-origin="http:\/\/127.0.0.1:8080"/);
  assert.match(html, /width: 600px/);
  checkToken(iframeSrc(html), '/jira/configure', 'acc-7');
});

test('the issue page frames /jira/issue-panel with the issue key', async () => {
  const html = await (await fetch(`${env.fake.origin}/_jira/sites/acme/issue/ABC-12`)).text();
  const url = checkToken(iframeSrc(html), '/jira/issue-panel', 'admin-1');
  assert.equal(url.searchParams.get('issueKey'), 'ABC-12');
});

test('all.js and the host script are served; pages need an installed app', async () => {
  for (const p of ['/_jira/all.js', '/_jira/host.js']) {
    const res = await fetch(`${env.fake.origin}${p}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /javascript/);
    const body = await res.text();
    assert.match(body, p.endsWith('all.js') ? /window\.AP = / : /tcj-fake-ap-reply/);
  }
  await control(env.fake.origin, 'POST', '/_control/sites', { name: 'bare' });
  assert.equal((await fetch(`${env.fake.origin}/_jira/sites/bare/configure`)).status, 409);
  assert.equal((await fetch(`${env.fake.origin}/_jira/sites/nope/configure`)).status, 404);
});
