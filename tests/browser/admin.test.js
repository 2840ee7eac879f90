'use strict';
// The admin flow twice: inside the stand-in Jira page (framed at 600 px, context tokens from
// AP.context.getToken) and standalone at /admin after signing in with a local admin token.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, waitForText, expectAccessible, TIMEOUT } = require('./harness');
const { adminFlow } = require('./flows');

let stack;
test.before(async () => {
  stack = await startStack({ sites: ['acme', 'solo'] });
  await stack.addTeamCity('jira-tc', { builds: 300, days: 10, seed: 7 });
  await stack.addTeamCity('solo-tc', { builds: 300, days: 10, seed: 8 });
}, { timeout: TIMEOUT.start * 2 });
test.after(async () => { if (stack) await stack.stop(); });

test('inside Jira: the configure page at 600 px, authenticated by context tokens', { timeout: 600e3 }, async (t) => {
  const page = await stack.newPage({ width: 700, height: 900 });
  t.after(() => stack.onFailure(t, page, 'jira'));
  await page.goto(`${stack.jira}/_jira/sites/acme/configure?accountId=acc-admin&width=600`);
  const ui = page.frame({ url: /\/jira\/configure/ });
  assert.ok(ui, 'the app is framed');
  await ui.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await expectAccessible(ui, 'the Connect configure page in Jira');
  // No sign-in and no header of our own inside Jira.
  assert.equal(await ui.getByRole('button', { name: 'Sign out' }).count(), 0);
  await adminFlow({ stack, page, ui, site: 'acme', tc: 'jira-tc', audit: { actor: /^Jira user acc-admin$/, signedIn: false },
                   shot: (name) => stack.screenshot(page, `jira-${name}`) });
  assert.ok(await page.evaluate(() => window.__fakeJira.tokensIssued) > 0, 'the API calls used context tokens from the Jira page');
});

test('standalone: sign in with an admin token, the same flow, sign out', { timeout: 600e3 }, async (t) => {
  const token = stack.adminToken('solo');
  const page = await stack.newPage({ width: 1280, height: 720 });
  t.after(() => stack.onFailure(t, page, 'standalone'));
  await page.goto(`${stack.app}/admin`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await expectAccessible(page, 'the sign-in page');
  await stack.screenshot(page, 'login');

  await page.getByLabel('Admin token').fill('tcj_not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitForText(page.locator('.tcj-field-error'), /That admin token is not valid/);
  await expectAccessible(page, 'the sign-in page with a token refused');

  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await waitForText(page.locator('.tcj-header__account'), /Sign out/);
  await waitForText(page.locator('.tcj-header__link'), /^linked through the Connect app$/);
  await expectAccessible(page, 'the standalone admin page with its header');

  await adminFlow({ stack, page, ui: page, site: 'solo', tc: 'solo-tc', audit: { actor: /^Admin token \S+$/, signedIn: true },
                   shot: (name) => stack.screenshot(page, `standalone-${name}`) });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForText(page.locator('.tcj-login'), /You are signed out\./);
  await expectAccessible(page, 'the sign-in page after signing out');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  page.assertClean();
});
