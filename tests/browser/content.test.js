'use strict';
// What TeamCity and Jira say is shown as text, never run as markup: a TeamCity server whose branch
// names and commit messages carry <script> and "><img onerror=...>, and a server name that does.
// The issue panel lists the builds of an issue. A pasted branch is previewed with its record. The
// audit log links the server that still exists and names it as created, markup and all, as text.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, eventually, waitForText, expectAccessible, TIMEOUT } = require('./harness');
const { search, auditRows } = require('./flows');

const SCRIPT = '<script>alert("xss-script")</script>';
const IMG = '"><img src=x onerror=alert("xss-img")>';
const BRANCH = `feature/ABC-77-${SCRIPT}`;
const MESSAGE = `ABC-77 ${IMG} and ${SCRIPT} in a commit`;
const NAME = `TC ${IMG}`;

let stack;
let serverId;
let buildId;
let unknownKeyBuild;
test.before(async () => {
  stack = await startStack({ sites: ['acme'] });
  await stack.addTeamCity('hostile', { builds: 30, days: 2, seed: 3, branches: [`bugfix/DEMO-5-${IMG}`] });
  const build = await stack.teamcityControl('POST', '/_control/servers/hostile/builds', {
    buildTypeId: 'Backend_UnitTests', state: 'finished', branch: BRANCH, changes: [MESSAGE],
    tests: { count: 12, passed: 11, failed: 1 }, status: 'FAILURE', statusText: `Tests failed: 1 ${SCRIPT}`,
  });
  buildId = build.id;
  // ABC exists on the site, ABC-999 does not: Jira takes the build and names the unknown key.
  unknownKeyBuild = (await stack.teamcityControl('POST', '/_control/servers/hostile/builds', {
    buildTypeId: 'Backend_Build', state: 'finished', branch: 'feature/ABC-999-ghost', changes: ['DEMO-3 fix the ghost'],
  })).id;
  const created = await stack.api('acme', 'POST', '/api/v1/servers',
    { name: NAME, url: stack.teamcityUrl('hostile'), auth: { type: 'token', token: 'hostile-token' } });
  assert.equal(created.status, 201, created.text);
  serverId = created.json.id;
  // Wait (an upper bound) until the build was read and sent.
  await eventually(async () => {
    for (const id of [buildId, unknownKeyBuild]) {
      const r = await stack.api('acme', 'GET', `/api/v1/diagnostics?q=${id}`);
      if (!(r.json.builds.length === 1 && r.json.builds[0].jira.outcome === 'accepted')) return false;
    }
    return true;
  }, { timeout: TIMEOUT.sync, what: `builds ${buildId} and ${unknownKeyBuild} sent to Jira` });
}, { timeout: TIMEOUT.sync * 2 });
test.after(async () => { if (stack) await stack.stop(); });

async function signedIn(t) {
  const page = await stack.newPage();
  t.after(() => stack.onFailure(t, page, t.name.replace(/\W+/g, '-').slice(0, 40)));
  await page.goto(`${stack.app}/admin`);
  await page.getByLabel('Admin token', { exact: true }).fill(stack.adminToken('acme'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  return page;
}

// Nothing of the payloads became an element, and nothing ran.
async function assertInert(page, frame = page) {
  assert.equal(await frame.locator('img[src="x"]').count(), 0, 'no injected <img>');
  const scripts = await frame.locator('script').evaluateAll((list) => list.map((s) => s.textContent).filter((t) => t.includes('xss')));
  assert.deepEqual(scripts, [], 'no injected <script>');
  page.assertClean();  // no dialog opened, no uncaught error, no CSP violation
}

test('TeamCity text with <script> and onerror is shown as text', { timeout: 300e3 }, async (t) => {
  const page = await signedIn(t);
  // The server list: the name as typed.
  const row = page.locator('tr', { hasText: 'TC "><img' });
  await waitForText(row, /TC "><img src=x onerror=alert\("xss-img"\)>/);

  // Diagnostics: branch, commit-derived keys, the build's story.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Diagnostics' }).click();
  await search(page, String(buildId));
  const card = page.locator(`.tcj-story[data-build-id="${buildId}"]`);
  await card.waitFor();
  assert.equal(await card.getByText(BRANCH, { exact: true }).count(), 1, 'the branch is shown literally');
  assert.match(await card.innerText(), /Server\s+TC "><img src=x onerror=alert\("xss-img"\)>/);
  await expectAccessible(page, 'the diagnostics of a build with hostile text');
  await stack.screenshot(page, 'hostile-diagnostics');

  // Recent builds on the server's page.
  await page.goto(`${stack.app}/admin#/servers/${serverId}`);
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Recent builds' }).waitFor();
  await waitForText(page.locator('section', { has: page.getByRole('heading', { name: 'Recent builds' }) }), /feature\/ABC-77-<script>/);

  // Preview of pasted text: keys and the record, as text.
  await page.getByRole('link', { name: 'Preview' }).click();
  await page.getByLabel('Branch', { exact: true }).fill(`feature/ABC-9-${IMG}`);
  await page.getByLabel('Commit message', { exact: true }).fill(MESSAGE);
  await page.getByRole('button', { name: 'Preview' }).click();
  await waitForText(page.locator('.tcj-preview'), /Issue keys ABC-9 ABC-77/);
  await expectAccessible(page, 'the preview of hostile text');
  await assertInert(page);
});

test('the diagnostics say what Jira answered: issue keys it does not know', { timeout: 120e3 }, async (t) => {
  const page = await signedIn(t);
  await page.goto(`${stack.app}/admin#/diagnostics?q=abc-999`);
  const card = page.locator(`.tcj-story[data-build-id="${unknownKeyBuild}"]`);
  await waitForText(card, /Issue keys sent: .*ABC-999/);
  await waitForText(card.locator('.tcj-story__jira-detail'), /Issue keys Jira does not know: ABC-999/);
  assert.match(await card.innerText(), /accepted by jira/i);
  await expectAccessible(page, 'the diagnostics naming issue keys Jira does not know');
  page.assertClean();
});

test('a pasted branch and commit message are previewed with the record Jira would get', { timeout: 120e3 }, async (t) => {
  const page = await signedIn(t);
  await page.goto(`${stack.app}/admin#/servers/${serverId}/preview`);
  await page.getByLabel('Branch', { exact: true }).fill('feature/ABC-42-login');
  await page.getByRole('button', { name: 'Preview' }).click();
  const pre = page.locator('.tcj-preview pre');
  await waitForText(pre, /"schemaVersion": "1.0"/);
  assert.deepEqual(JSON.parse(await pre.innerText()).issueKeys, ['ABC-42']);
  page.assertClean();
});

test('the issue panel lists the builds of the issue, hostile text as text', { timeout: 120e3 }, async (t) => {
  const page = await stack.newPage({ width: 900, height: 700 });
  t.after(() => stack.onFailure(t, page, 'issue-panel'));
  await page.goto(`${stack.jira}/_jira/sites/acme/issue/ABC-77?accountId=acc-dev`);
  const panel = page.frame({ url: /\/jira\/issue-panel/ });
  assert.ok(panel, 'the panel is framed');
  const row = panel.locator('.tcj-builds tbody tr', { hasText: 'Unit Tests' });
  await row.waitFor();
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /failed Backend \/ Unit Tests #\S+/i);
  assert.ok(text.includes(BRANCH), text);
  assert.match(text, /11 passed, 1 failed/);
  assert.equal(await row.locator('.tcj-lozenge--failed').count(), 1);
  const link = row.getByRole('link', { name: /Backend \/ Unit Tests/ });
  assert.equal(await link.getAttribute('href'), `${stack.teamcityUrl('hostile')}/buildConfiguration/Backend_UnitTests/${buildId}`);
  await expectAccessible(panel, 'the issue panel');
  await stack.screenshot(page, 'issue-panel');
  await assertInert(page, panel);

  // In a narrow issue sidebar: one block per build, still all there.
  await page.goto(`${stack.jira}/_jira/sites/acme/issue/ABC-77?accountId=acc-dev&width=360`);
  const narrow = page.frame({ url: /\/jira\/issue-panel/ }).locator('.tcj-builds tbody tr', { hasText: 'Unit Tests' });
  await waitForText(narrow, /11 passed, 1 failed/);
  await expectAccessible(page.frame({ url: /\/jira\/issue-panel/ }), 'the issue panel in a narrow sidebar');
  await stack.screenshot(page, 'issue-panel-narrow');

  // An issue no build mentions.
  await page.goto(`${stack.jira}/_jira/sites/acme/issue/DEMO-499?accountId=acc-dev`);
  await waitForText(page.frame({ url: /\/jira\/issue-panel/ }).locator('body'), /No TeamCity builds mention DEMO-499 yet/);
  await expectAccessible(page.frame({ url: /\/jira\/issue-panel/ }), 'the issue panel of an issue without builds');
});

test('server page: backfill further back, events, a webhook secret shown once, editing with a saved token', { timeout: 300e3 }, async (t) => {
  const page = await signedIn(t);
  await page.goto(`${stack.app}/admin#/servers/${serverId}`);
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();

  // Backfill: a bad number is refused in words, a good one starts and finishes.
  const days = page.getByLabel('Days of history', { exact: true });
  await days.fill('400');
  await page.getByRole('button', { name: 'Backfill', exact: true }).click();
  await waitForText(page.locator('.tcj-field-error'), /Enter a whole number of days from 1 to 365\./);
  await expectAccessible(page, 'a server\'s page with a backfill refused');
  await days.fill('3');
  await page.getByRole('button', { name: 'Backfill', exact: true }).click();
  await waitForText(page.getByText('Backfill of the last 3 days started.'), /started/);
  await waitForText(page.locator('.tcj-backfill--done'), /Backfill done \(last 3 days\)/, TIMEOUT.sync);
  const events = page.locator('.tcj-events');
  await waitForText(events, /Backfill of the last 3 days requested\./, TIMEOUT.sync);

  // Webhook: asks first, then shows the URL and the secret once.
  await page.getByRole('button', { name: 'Create webhook secret' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a new webhook secret?' });
  await dialog.waitFor();
  await expectAccessible(page, 'the dialog to create a webhook secret');
  await dialog.getByRole('button', { name: 'Create secret' }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitForText(page.locator('.tcj-webhook'), /Shown once\./);
  assert.equal(await page.getByLabel('Webhook URL', { exact: true }).inputValue(), `${stack.app}/webhooks/teamcity/${serverId}`);
  const secret = await page.getByLabel('Secret', { exact: true }).inputValue();
  assert.ok(secret.length >= 16, secret);
  const hook = await fetch(`${stack.app}/webhooks/teamcity/${serverId}`, { method: 'POST', headers: { Authorization: `Bearer ${secret}` }, body: '{}' });
  assert.equal(hook.status, 202);
  await expectAccessible(page, 'a webhook secret shown once');
  await stack.screenshot(page, 'server-webhook');

  // Edit: the saved token is "set", never shown; replacing it is tested before saving.
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByRole('heading', { name: 'Edit TeamCity server', level: 1 }).waitFor();
  await waitForText(page.locator('.tcj-secret-set'), /Access token: set Replace/);
  assert.equal(await page.getByLabel('Access token', { exact: true }).count(), 0);
  await page.getByRole('button', { name: 'Replace the saved access token' }).click();
  await page.getByLabel('Access token', { exact: true }).fill('revoked-or-wrong');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await waitForText(page.locator('.tcj-test-result'), /The connection failed\. TeamCity answered 401/);
  await page.getByRole('button', { name: 'Keep the saved credentials' }).click();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await waitForText(page.locator('.tcj-test-result'), /Connected\./);
  await expectAccessible(page, 'the form to edit a server, its saved token being replaced');
  await stack.screenshot(page, 'server-edit');
  await page.getByLabel('Name', { exact: true }).fill('Hostile TeamCity');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: 'Hostile TeamCity', level: 1 }).waitFor();
  const { json: saved } = await stack.api('acme', 'GET', `/api/v1/servers/${serverId}`);
  assert.equal(saved.name, 'Hostile TeamCity');
  assert.deepEqual(saved.auth, { type: 'token', token: 'set' });
  page.assertClean();
});

test('an ended session goes back to the sign-in page, and signing in again returns to the same screen', { timeout: 120e3 }, async (t) => {
  const page = await signedIn(t);
  await page.goto(`${stack.app}/admin#/diagnostics`);
  await page.getByRole('heading', { name: 'Diagnostics', level: 1 }).waitFor();
  await page.context().clearCookies();
  await search(page, String(buildId));
  await waitForText(page.locator('.tcj-login'), /Your session has ended\. Sign in again\./);
  await expectAccessible(page, 'the sign-in page after the session ended');
  await page.getByLabel('Admin token', { exact: true }).fill(stack.adminToken('acme'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Diagnostics', level: 1 }).waitFor();
  page.assertClean();
});

test('the audit log links the server that exists, by the name of each entry, as text', { timeout: 120e3 }, async (t) => {
  const page = await signedIn(t);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
  await page.locator('.tcj-audit__entry').first().waitFor();
  const rows = await auditRows(page);
  const of = (action) => rows.find((r) => r.action === action);
  // Created through the API with a Jira user's context token; changed on the server's page, signed in with a token.
  assert.deepEqual(of('server.created'), { action: 'server.created', who: 'Jira user acc-admin', from: '127.0.0.1',
    what: `Created TeamCity server ${NAME} (${stack.teamcityUrl('hostile')}) Signing in to TeamCity with an access token` });
  assert.equal(of('server.backfill_requested').what, 'Requested a backfill of 3 days for Hostile TeamCity');
  assert.equal(of('server.webhook_secret_rotated').what, 'Rotated the webhook secret of Hostile TeamCity');
  assert.equal(of('server.updated').what, 'Changed server Hostile TeamCity: name');
  assert.match(of('server.updated').who, /^Admin token \S+$/);
  assert.equal(of('session.signed_in').what, 'Signed in');
  assert.equal(rows.filter((r) => r.action.startsWith('server.')).length, 4);
  // Every server in a sentence links to its page; the one as created, by its name then.
  const links = page.locator('.tcj-audit a.tcj-audit__server');
  assert.equal(await links.count(), 4);
  for (const href of await links.evaluateAll((list) => list.map((a) => a.getAttribute('href')))) assert.equal(href, `#/servers/${serverId}`);
  await expectAccessible(page, 'the audit log linking a server');
  await stack.screenshot(page, 'hostile-audit');
  await assertInert(page);
  await page.getByRole('link', { name: NAME, exact: true }).click();
  await page.getByRole('heading', { name: 'Hostile TeamCity', level: 1 }).waitFor();
  page.assertClean();
});
