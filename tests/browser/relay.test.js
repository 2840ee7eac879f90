'use strict';
// A TeamCity server behind a firewall, set up in the standalone admin pages: added with a relay (a
// private http address the service would refuse to connect to is accepted, since it never does),
// its relay token created and shown once with the relay's configuration, rotated and revoked
// through the confirm dialogs, the server moved to another private address, and all of it in the
// audit log. No relay is started here: the C++
// e2e tests cover the relay itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, waitForText, expectAccessible, TIMEOUT } = require('./harness');
const { auditRows } = require('./flows');

const NAME = 'TeamCity behind the firewall';
const TEAMCITY_URL = 'http://10.0.0.5:8111';
const MOVED_URL = 'http://10.0.0.6:8111';

let stack;
test.before(async () => {
  // As a hosted service runs: TeamCity must be public and https, unless it is reached through a relay.
  stack = await startStack({ sites: ['acme'], env: { TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS: 'false' } });
}, { timeout: TIMEOUT.start * 2 });
test.after(async () => { if (stack) await stack.stop(); });

// The token shown once, with the relay's configuration for this service and this server.
async function shownToken(card) {
  const shown = card.locator('.tcj-relay-token');
  await waitForText(shown, /Shown once\. Copy the token now: it cannot be shown again\./);
  const token = await shown.getByLabel('Relay token', { exact: true }).inputValue();
  assert.match(token, /^tcjr_\S+$/);
  const config = await shown.getByLabel('Relay configuration (/etc/teamcity-jira-relay/relay.toml)', { exact: true }).inputValue();
  assert.match(config, new RegExp(`^\\[service\\]\\nurl = "${stack.app}"\\ntoken_file = "/etc/teamcity-jira-relay/relay-token"\\n`));
  assert.match(config, new RegExp(`\\[teamcity\\]\\nurl = "${TEAMCITY_URL}"\\nauth = "token"\\ntoken_file = "/etc/teamcity-jira-relay/teamcity-token"$`));
  await waitForText(shown, /README, section "TeamCity behind a firewall"/);
  assert.equal(await shown.getByRole('button', { name: 'Copy the relay token' }).count(), 1);
  return token;
}

test('standalone: a server reached through a relay, its token created once, rotated and revoked', { timeout: 300e3 }, async (t) => {
  const page = await stack.newPage();
  t.after(() => stack.onFailure(t, page, 'relay'));
  await page.goto(`${stack.app}/admin`);
  await page.getByLabel('Admin token', { exact: true }).fill(stack.adminToken('acme'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'No TeamCity server yet' }).waitFor();

  await page.getByRole('link', { name: 'Add server' }).first().click();
  await page.getByRole('heading', { name: 'Add a TeamCity server', level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(NAME);
  await page.getByLabel('TeamCity URL', { exact: true }).fill(TEAMCITY_URL);

  // Reached directly, a private http address is refused.
  await page.getByLabel('Guest', { exact: true }).check();
  await page.getByRole('button', { name: 'Test connection' }).click();
  const url = page.getByLabel('TeamCity URL', { exact: true });
  await waitForText(page.locator('.tcj-field-error:not([hidden])'), /^⚠? ?the TeamCity URL must start with https:\/\//);
  assert.equal(await url.getAttribute('aria-invalid'), 'true');
  await expectAccessible(page, 'the form with a URL refused');

  // Through a relay: no credentials asked, nothing to test before saving, and the address is accepted.
  await page.getByLabel('Relay (TeamCity behind a firewall)', { exact: true }).check();
  await waitForText(page.locator('.tcj-fieldset'), /The service never connects to this address\. A relay next to TeamCity connects out to this service and signs in to TeamCity with its own credentials\./);
  assert.equal(await page.getByLabel('Access token', { exact: true }).count(), 0);
  assert.equal(await page.getByLabel('Username', { exact: true }).count(), 0);
  const testButton = page.getByRole('button', { name: 'Test connection' });
  assert.equal(await testButton.isDisabled(), true);
  assert.match(await testButton.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')).innerText),
               /tested once it is saved and its relay has connected/);
  await expectAccessible(page, 'the form of a relay server');
  await stack.screenshot(page, 'relay-form');
  await page.getByRole('button', { name: 'Add server' }).click();
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();

  const { json: list } = await stack.api('acme', 'GET', '/api/v1/servers');
  const saved = list.servers.find((s) => s.name === NAME);
  assert.deepEqual([saved.url, saved.auth], [TEAMCITY_URL, { type: 'relay' }]);

  // No token yet: only a button to create one.
  const card = page.getByRole('region', { name: 'Relay', exact: true });
  const state = card.locator('.tcj-relay__state');
  await waitForText(state, /No token yet: create one and start the relay with it\./);
  assert.equal(await state.locator('[aria-live="polite"]').count(), 1, 'the state is a live region');
  assert.equal(await card.getByRole('button', { name: 'Revoke token' }).count(), 0);
  assert.equal(await card.getByRole('button', { name: 'Rotate token' }).count(), 0);
  await expectAccessible(page, 'a relay server\'s page without a token');

  await card.getByRole('button', { name: 'Create relay token' }).click();
  const first = await shownToken(card);
  await waitForText(state, /Never connected: start the relay with its token\./);
  await waitForText(card, /Token created /);
  assert.equal(await card.getByRole('button', { name: 'Create relay token' }).count(), 0);
  await expectAccessible(page, 'a relay token shown once with its configuration');
  await stack.screenshot(page, 'relay-token');

  // Shown once: after a reload the token is gone, and the state says one exists.
  await page.reload();
  await waitForText(state, /Never connected/);
  assert.equal(await card.getByLabel('Relay token', { exact: true }).count(), 0);
  const values = await page.locator('input, textarea').evaluateAll((list) => list.map((e) => e.value));
  assert.ok(!values.some((v) => v.includes(first)) && !(await page.locator('body').innerText()).includes(first),
            'the token is nowhere on the page any more');

  // Rotating asks first; Cancel changes nothing.
  const rotate = card.getByRole('button', { name: 'Rotate token' });
  await rotate.click();
  const rotateDialog = page.getByRole('dialog', { name: 'Rotate the relay token?' });
  await waitForText(rotateDialog, /the relay stops working until it gets the new token/);
  await expectAccessible(page, 'the dialog to rotate a relay token');
  await rotateDialog.getByRole('button', { name: 'Cancel' }).click();
  await rotateDialog.waitFor({ state: 'detached' });
  assert.equal(await card.getByLabel('Relay token', { exact: true }).count(), 0);

  await rotate.click();
  await rotateDialog.getByRole('button', { name: 'Rotate token' }).click();
  await rotateDialog.waitFor({ state: 'detached' });
  const second = await shownToken(card);
  assert.notEqual(second, first);

  // Revoking asks too; then there is no token, and the one shown is gone.
  await card.getByRole('button', { name: 'Revoke token' }).click();
  const revokeDialog = page.getByRole('dialog', { name: 'Revoke the relay token?' });
  await waitForText(revokeDialog, new RegExp(`the service cannot read ${NAME} until you create a new token`));
  await expectAccessible(page, 'the dialog to revoke a relay token');
  await revokeDialog.getByRole('button', { name: 'Revoke token' }).click();
  await revokeDialog.waitFor({ state: 'detached' });
  await waitForText(state, /No token yet: create one and start the relay with it\./);
  await waitForText(card.locator('[role="status"]'), /^Token revoked\./);
  assert.equal(await card.getByLabel('Relay token', { exact: true }).count(), 0);
  assert.equal(await card.getByRole('button', { name: 'Revoke token' }).count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Create relay token');
  await expectAccessible(page, 'a relay server\'s page after its token was revoked');
  const { json: relay } = await stack.api('acme', 'GET', `/api/v1/servers/${saved.id}/relay`);
  assert.deepEqual([relay.token, relay.connected], [null, false]);

  // Moved to another private address: still accepted, still a relay, nothing to test.
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByRole('heading', { name: 'Edit TeamCity server', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('Relay (TeamCity behind a firewall)', { exact: true }).isChecked(), true);
  assert.equal(await page.getByRole('button', { name: 'Test connection' }).isDisabled(), true);
  await expectAccessible(page, 'the form to edit a relay server');
  await page.getByLabel('TeamCity URL', { exact: true }).fill(MOVED_URL);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  await waitForText(page.locator('.tcj-server__url'), new RegExp(`^${MOVED_URL}/?$`));
  const { json: moved } = await stack.api('acme', 'GET', `/api/v1/servers/${saved.id}`);
  assert.deepEqual([moved.url, moved.auth], [MOVED_URL, { type: 'relay' }]);

  // The audit log, in words.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
  await page.locator('.tcj-audit__entry').first().waitFor();
  const [updated, ...rows] = (await auditRows(page)).slice(0, 5);
  assert.equal(updated.action, 'server.updated');
  assert.match(updated.what, new RegExp(`^Changed server ${NAME}: URL.* Now at ${MOVED_URL}$`));
  assert.deepEqual(rows.map((r) => [r.action, r.what]), [
    ['relay.token_revoked', `Revoked the relay token of ${NAME}`],
    ['relay.token_issued', `Created a relay token for ${NAME} (any earlier one stopped working)`],
    ['relay.token_issued', `Created a relay token for ${NAME} (any earlier one stopped working)`],
    ['server.created', `Created TeamCity server ${NAME} (${TEAMCITY_URL}) Reached through a relay, which signs in to TeamCity with its own credentials`],
  ]);
  page.assertClean();
});
