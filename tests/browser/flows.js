'use strict';
// The admin's first ten minutes, driven through the UI exactly as a person would: add a TeamCity
// server (a wrong token first), test the connection, save, watch the backfill finish, find builds
// in the diagnostics, change an environment rule and watch the mapping table follow, preview a
// branch, rename the server (to markup, which stays text), remove it, and read all of it in the
// audit log, a page at a time. `ui` is the page (standalone) or the app's frame inside Jira.
const assert = require('node:assert/strict');
const { eventually, waitForText, expectAccessible, TIMEOUT } = require('./harness');

const SERVER_NAME = 'Main TeamCity';
const RENAMED = '<img src=x onerror=alert(1)>';

// The app's main navigation (tabs).
const section = (ui, name) => ui.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });

async function addServer({ stack, ui, tc }) {
  await ui.getByRole('heading', { name: 'No TeamCity server yet' }).waitFor();
  await expectAccessible(ui, 'the empty list of servers');
  await ui.getByRole('link', { name: 'Add server' }).first().click();
  await ui.getByRole('heading', { name: 'Add a TeamCity server', level: 1 }).waitFor();
  await expectAccessible(ui, 'the empty form to add a server');
  await ui.getByLabel('Name', { exact: true }).fill(SERVER_NAME);
  await ui.getByLabel('TeamCity URL', { exact: true }).fill(stack.teamcityUrl(tc));
  await ui.getByLabel('Access token', { exact: true }).fill('not-the-right-token');

  // A wrong token: the problem in words, from TeamCity's answer.
  await ui.getByRole('button', { name: 'Test connection' }).click();
  await waitForText(ui.locator('.tcj-test-result [role="alert"]'), /The connection failed\. TeamCity answered 401/);
  await expectAccessible(ui, 'the form after a failed connection test');

  // Saving with the wrong token tests first and asks before saving anyway.
  await ui.getByRole('button', { name: 'Add server' }).click();
  await waitForText(ui.locator('.tcj-test-result'), /TeamCity answered 401.*Save anyway/);
  await expectAccessible(ui, 'the form offering to save anyway');

  await ui.getByLabel('Access token', { exact: true }).fill(`${tc}-token`);
  await ui.getByRole('button', { name: 'Test connection' }).click();
  const connected = await waitForText(ui.locator('.tcj-test-result [role="status"]'),
    /Connected\. TeamCity 2025\.07.*It can see \d+ projects and \d+ build configurations\./);
  assert.match(connected, /signed in as \S+/);
  await expectAccessible(ui, 'the form after a successful connection test');

  // Slow TeamCity's first build pages down, so the backfill is seen running.
  await stack.teamcityControl('POST', '/_control/faults', { path: `/tc/${tc}/app/rest/builds`, delayMs: 6000, times: 2 });
  await ui.getByRole('button', { name: 'Add server' }).click();
  await ui.getByRole('heading', { name: SERVER_NAME, level: 1 }).waitFor();
}

async function watchBackfill({ ui }) {
  await ui.locator('.tcj-backfill progress').waitFor({ timeout: TIMEOUT.sync });
  assert.match(await ui.locator('.tcj-backfill__text').innerText(), /Backfill \(last 30 days\)/);
  await expectAccessible(ui, 'a server\'s page during its backfill');
  const done = await waitForText(ui.locator('.tcj-backfill--done'), /Backfill done \(last 30 days\): [\d,]+ builds read/, TIMEOUT.sync);
  const read = Number(done.match(/: ([\d,]+) builds read/)[1].replace(/,/g, ''));
  assert.ok(read > 0, done);
  await waitForText(ui.locator('.tcj-server-state'), /Healthy/i, TIMEOUT.sync);
  await ui.locator('.tcj-events').waitFor();
  await expectAccessible(ui, 'a healthy server\'s page with its builds and events');
  return read;
}

// A finished build that Jira accepted with issue keys; one that also had candidates dropped when
// there is one (its story tells more).
async function someSentBuild(stack, site, serverId) {
  const { json } = await stack.api(site, 'GET', `/api/v1/servers/${serverId}/builds?limit=200`);
  const sent = json.builds.filter((b) => b.teamcity_state === 'finished' && !b.personal && !b.is_deployment &&
                                         b.jira.outcome === 'accepted' && b.issue_keys.length > 0);
  const build = sent.find((b) => b.keys_dropped.length > 0) || sent[0];
  assert.ok(build, 'a finished build with issue keys was accepted by Jira');
  return { id: build.build_id, buildTypeId: build.build_type_id, key: build.issue_keys[0] };
}

async function search(ui, q) {
  const box = ui.getByLabel('Issue key, TeamCity build id or build URL', { exact: true });
  await box.fill(q);
  await ui.getByRole('button', { name: 'Search' }).click();
}

async function diagnostics({ stack, ui, site, serverId, tc, shot }) {
  const build = await someSentBuild(stack, site, serverId);
  const { key } = build;
  await section(ui, 'Diagnostics').click();
  await ui.getByRole('heading', { name: 'Diagnostics', level: 1 }).waitFor();
  await expectAccessible(ui, 'the diagnostics before a search');

  await search(ui, 'not a build');
  await waitForText(ui.locator('.tcj-field-error'), /Enter an issue key \(ABC-123\), a TeamCity build id, or a build's URL\./);
  await expectAccessible(ui, 'the diagnostics with a search refused');

  // By build id: wait (an upper bound) until Jira has accepted it.
  const card = ui.locator(`.tcj-story[data-build-id="${build.id}"]`);
  await eventually(async () => {
    await search(ui, String(build.id));
    await card.waitFor();
    return /Accepted by Jira/i.test(await card.innerText());
  }, { timeout: TIMEOUT.sync, what: `build ${build.id} accepted by Jira` });
  const story = (await card.innerText()).replace(/\s+/g, ' ');
  assert.match(story, new RegExp(`Issue keys sent: .*${key}`));
  assert.match(story, /Found Key Found in/i);
  assert.equal(await card.getByRole('link', { name: 'Open in TeamCity' }).getAttribute('href'),
               `${stack.teamcityUrl(tc)}/buildConfiguration/${build.buildTypeId}/${build.id}`);

  // By issue key and by the build's URL.
  await search(ui, key.toLowerCase());
  await waitForText(ui.locator('.tcj-diagnostics__heading'), new RegExp(`\\d+ builds? for issue ${key}`));
  await card.waitFor();
  await expectAccessible(ui, 'the diagnostics of an issue key, its builds\' stories');
  await search(ui, `${stack.teamcityUrl(tc)}/buildConfiguration/${build.buildTypeId}/${build.id}`);
  await waitForText(ui.locator('.tcj-diagnostics__heading'), new RegExp(`build id ${build.id}`));
  await card.waitFor();
  if (shot) await shot('diagnostics');
  return { build, key };
}

async function openServer(ui, tab) {
  await section(ui, 'TeamCity servers').click();
  await ui.getByRole('link', { name: SERVER_NAME, exact: true }).click();
  await ui.getByRole('heading', { name: SERVER_NAME, level: 1 }).waitFor();
  if (tab) await ui.getByRole('link', { name: tab }).click();
}

async function environmentRules({ stack, ui, site, serverId, shot }) {
  await openServer(ui, 'What to sync');
  const table = ui.locator('.tcj-env-table');
  // Without rules: TeamCity's own deployment configurations, named after themselves.
  await waitForText(table, /Deploy to Staging Staging STAGING TeamCity type/);
  assert.doesNotMatch(await table.innerText(), /Lint/);
  await ui.getByRole('checkbox', { name: /^All projects/ }).waitFor();
  assert.equal(await ui.getByRole('checkbox', { name: /^All projects/ }).isChecked(), true);

  await ui.getByRole('button', { name: 'Add rule' }).click();
  const rule = ui.locator('.tcj-rule').first();
  await rule.getByLabel('Build configurations', { exact: true }).fill('Lint');
  await rule.getByLabel('Environment from', { exact: true }).selectOption('environment');
  await rule.getByLabel('Environment name', { exact: true }).fill('Sandbox');
  // The table follows the unsaved rule: Lint is now a deployment to Sandbox, unmapped, highlighted.
  const lint = table.locator('tr', { hasText: 'Lint' });
  await waitForText(lint, /Lint Sandbox UNMAPPED rule 1/);
  assert.match(await lint.first().getAttribute('class'), /tcj-row--unmapped/);
  await waitForText(ui.locator('.tcj-env-table__summary'), /\d+ unmapped/);
  await expectAccessible(ui, 'What to sync with an unsaved rule');
  if (shot) await shot('what-to-sync');

  await rule.getByLabel('Type', { exact: true }).selectOption('testing');
  await waitForText(lint, /Lint Sandbox TESTING rule 1/);
  assert.doesNotMatch(await lint.first().getAttribute('class') || '', /unmapped/);

  await ui.getByRole('button', { name: 'Save', exact: true }).click();
  await waitForText(ui.locator('.tcj-save-bar__status'), /^Saved\.$/);
  await expectAccessible(ui, 'What to sync once saved');
  const saved = await stack.api(site, 'GET', `/api/v1/servers/${serverId}/settings`);
  assert.deepEqual(saved.json.deployment_rules, [{ build_types: 'Lint', environment: 'Sandbox', type: 'testing' }]);
  assert.equal(saved.json.projects, null);
}

async function preview({ stack, ui, site, serverId, shot }) {
  await ui.getByRole('link', { name: 'Preview' }).click();
  const result = ui.locator('.tcj-preview');

  // A recent build from the list (one that finished and was sent): its keys and the exact record.
  const { json: recent } = await stack.api(site, 'GET', `/api/v1/servers/${serverId}/builds?limit=20`);
  const sent = recent.builds.find((b) => b.teamcity_state === 'finished' && b.jira.outcome === 'accepted' && !b.personal);
  assert.ok(sent, 'a recent build was sent to Jira');
  const select = ui.getByLabel('Or a recent build', { exact: true });
  await eventually(async () => (await select.locator('option').count()) > 1, { what: 'recent builds in the list' });
  await select.selectOption(String(sent.build_id));
  await ui.getByRole('button', { name: 'Preview' }).click();
  await waitForText(result.locator('pre'), /"schemaVersion": "1.0"/);
  const record = JSON.parse(await result.locator('pre').innerText());
  assert.equal(record.url, sent.web_url);
  await expectAccessible(ui, 'the preview of a recent build');
  if (shot) await shot('preview');

  // Pasted text: the keys found, where, and the candidates dropped.
  await select.selectOption('');
  await ui.getByLabel('Branch', { exact: true }).fill('feature/ABC-42-login');
  await ui.getByLabel('Commit message', { exact: true }).fill('[DEMO-7] Fix the login form\n\nSee UTF-8 notes, ABC-01');
  await ui.getByRole('button', { name: 'Preview' }).click();
  await waitForText(result, /Issue keys ABC-42 DEMO-7/);
  const text = (await result.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /ABC-42 branch name/);
  assert.match(text, /DEMO-7 commit message/);
  assert.match(text, /ABC-01 leading zero/);
  assert.match(text, /Not a deployment/);
  await expectAccessible(ui, 'the preview of a pasted branch and message');
}

// Renamed from the server's page: nothing of the connection changes, so nothing is tested first.
async function renameServer({ ui, name }) {
  await ui.getByRole('link', { name: 'Edit', exact: true }).click();
  await ui.getByRole('heading', { name: 'Edit TeamCity server', level: 1 }).waitFor();
  await ui.getByText('Access token:').waitFor();
  await expectAccessible(ui, 'the form to edit a server, its token saved');
  await ui.getByLabel('Name', { exact: true }).fill(name);
  await ui.getByRole('button', { name: 'Save', exact: true }).click();
  await ui.getByRole('heading', { name, level: 1, exact: true }).waitFor();
}

async function removeServer({ stack, ui, site, name, shot }) {
  const before = await stack.jiraControl('GET', `/_control/sites/${site}/builds`);
  assert.ok(before.count > 0, 'Jira has the server\'s builds before the removal');
  await section(ui, 'TeamCity servers').click();
  const row = ui.locator('tr', { hasText: name });
  await waitForText(row, /Healthy/i);
  await expectAccessible(ui, 'the list of servers');
  const remove = ui.getByRole('button', { name: `Remove ${name}` });

  // Keyboard: Enter opens the dialog, Escape closes it and focus goes back to the button.
  await remove.focus();
  await remove.press('Enter');
  const dialog = ui.getByRole('dialog', { name: `Remove ${name}?` });
  await waitForText(dialog, /deletes every build and deployment it sent from this server from Jira/);
  assert.equal(await ui.locator(':focus').innerText(), 'Cancel');
  await expectAccessible(ui, 'the dialog to remove a server');
  if (shot) await shot('remove-dialog');
  await ui.locator(':focus').press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await ui.locator(':focus').getAttribute('aria-label'), `Remove ${name}`);

  await remove.click();
  await dialog.getByRole('button', { name: 'Remove server' }).click();
  await ui.getByRole('heading', { name: 'No TeamCity server yet' }).waitFor({ timeout: TIMEOUT.sync });
  const after = await stack.jiraControl('GET', `/_control/sites/${site}/builds`);
  const deployments = await stack.jiraControl('GET', `/_control/sites/${site}/deployments`);
  assert.equal(after.count, 0);
  assert.equal(deployments.count, 0);
}

// The rows of the audit log shown: action, who, from, what (spaces collapsed).
function auditRows(ui) {
  return ui.locator('.tcj-audit__entry').evaluateAll((rows) => rows.map((r) => {
    const cell = (c) => r.querySelector(c).innerText.replace(/\s+/g, ' ').trim();
    return { action: r.dataset.action, who: cell('.tcj-audit__who'), from: cell('.tcj-audit__from'), what: cell('.tcj-audit__what') };
  }));
}

const CONNECT_INSTALLED = { action: 'site.installed', what: 'Installed the app on this Jira site' };

// Everything the flow changed, newest first, in words; the renamed server's markup as text; then the
// same entries two at a time with "Show older".
async function auditLog({ stack, ui, tc, audit: { actor, signedIn, installed: installedAs = CONNECT_INSTALLED }, shot }) {
  await section(ui, 'Audit log').click();
  await ui.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  await ui.locator('.tcj-audit__entry').first().waitFor();
  const rows = await auditRows(ui);
  assert.deepEqual(rows.map((r) => r.action), ['server.removed', 'server.updated', 'server.settings_changed', 'server.created',
    ...(signedIn ? ['session.signed_in', 'admin_token.created'] : []), installedAs.action]);
  const url = stack.teamcityUrl(tc);
  const [removed, updated, settings, created] = rows;
  assert.equal(removed.what, `Removed TeamCity server ${RENAMED} (${url})`);
  assert.equal(updated.what, `Changed server ${RENAMED}: name`);  // the form sends only what changed
  assert.equal(settings.what, `Changed what to sync of ${RENAMED} Setting Before After Deployment rules None 1. Lint: environment Sandbox, type testing`);
  assert.equal(created.what, `Created TeamCity server ${SERVER_NAME} (${url}) Signing in to TeamCity with an access token`);
  for (const r of rows.slice(0, 4)) {
    assert.match(r.who, actor);
    assert.equal(r.from, '127.0.0.1');
  }
  const installed = rows[rows.length - 1];
  assert.deepEqual([installed.who, installed.what], ['Atlassian (site lifecycle)', installedAs.what]);
  if (signedIn) {
    // Signed in with the token that an operator created on the command line (no address).
    const [signIn, token] = rows.slice(4, 6);
    assert.deepEqual([signIn.who, signIn.what], [rows[0].who, 'Signed in']);
    assert.match(token.who, /^Operator \S+ \(command line\)$/);
    assert.equal(token.from, 'none');
    assert.equal(token.what, `Created admin token ${signIn.who.replace(/^Admin token /, '')} named admin`);
  }
  // The server is gone: named, not linked. Its markup name is text, and made no element.
  assert.equal(await ui.locator('.tcj-audit a').count(), 0);
  assert.equal(await ui.locator('.tcj-audit img').count(), 0);
  assert.equal(await ui.locator('.tcj-audit__server', { hasText: RENAMED }).count(), 3);
  // When: local time, the UTC value in the tooltip.
  const when = ui.locator('.tcj-audit__when time').first();
  assert.match(await when.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  assert.equal(Date.parse(await when.getAttribute('datetime')), Date.parse((await when.getAttribute('title')).replace(' UTC', 'Z').replace(' ', 'T')));
  await waitForText(ui.locator('.tcj-audit__end'), new RegExp(`^No older entries \\(${rows.length} entries shown\\)\\.$`));
  await expectAccessible(ui, 'the audit log');
  if (shot) await shot('audit');

  // Two at a time: "Show older" until the end gives the same entries in the same order.
  await ui.evaluate(() => { window.location.hash = '#/audit?limit=2'; });
  await eventually(async () => (await ui.locator('.tcj-audit__entry').count()) === 2, { what: 'the first page of two' });
  const older = ui.getByRole('button', { name: 'Show older' });
  await older.waitFor();
  await expectAccessible(ui, 'the audit log, a page at a time');
  if (shot) await shot('audit-paged');
  for (let shown = 2; shown < rows.length; shown += 2) {
    await older.click();
    await eventually(async () => (await ui.locator('.tcj-audit__entry').count()) === Math.min(shown + 2, rows.length),
      { what: `${Math.min(shown + 2, rows.length)} entries` });
  }
  // A last page that was full still offers one more (empty) page.
  if (rows.length % 2 === 0) await older.click();
  await waitForText(ui.locator('.tcj-audit__end'), new RegExp(`^No older entries \\(${rows.length} entries shown\\)\\.$`));
  assert.equal(await older.count(), 0);
  assert.deepEqual(await auditRows(ui), rows);
}

// The whole flow; shot(name) saves a screenshot of the screen shown.
// audit: who the audit log names for the changes (actor, a RegExp), whether the flow signed in
// (with an admin token made for it), and how the site's installation reads (installed: {action,
// what}; Connect's by default).
async function adminFlow({ stack, page, ui, site, tc, audit, shot }) {
  await addServer({ stack, ui, tc });
  const { json: list } = await stack.api(site, 'GET', '/api/v1/servers');
  const serverId = list.servers.find((s) => s.name === SERVER_NAME).id;
  await watchBackfill({ ui });
  if (shot) await shot('server');

  await section(ui, 'TeamCity servers').click();
  const row = ui.locator('tr', { hasText: SERVER_NAME });
  await waitForText(row, /Healthy.*[\d,]+ read/i);
  if (shot) await shot('servers');

  await diagnostics({ stack, ui, site, serverId, tc, shot });
  await environmentRules({ stack, ui, site, serverId, shot });
  await preview({ stack, ui, site, serverId, shot });
  await renameServer({ ui, name: RENAMED });
  await removeServer({ stack, ui, site, name: RENAMED, shot });
  await auditLog({ stack, ui, tc, audit, shot });
  page.assertClean();
}

module.exports = { adminFlow, search, auditRows, SERVER_NAME };
