'use strict';
// The Forge app's Custom UI pages, built by forge/build-ui.js, in the stand-in Jira page of the fake
// (a cross-origin frame from the fake Forge CDN under Forge's strict Content-Security-Policy, the
// bridge answered by the page): the admin's whole flow at 600 px with every API call through
// invokeRemote, the issue panel of an issue, and the notice of a site waiting for Forge. The tests
// build on each other, in order.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, eventually, waitForText, expectAccessible, TIMEOUT } = require('./harness');
const { adminFlow } = require('./flows');

let stack;
test.before(async () => {
  // info: the test of a site moving from Connect waits for the service's own word that it learnt
  // the Connect site's cloud id.
  stack = await startStack({ sites: [], forge: true, env: { TCJ_LOG_LEVEL: 'info' } });
  await stack.addForgeSite('forgeco');
  await stack.addTeamCity('forge-tc', { builds: 300, days: 10, seed: 9 });
}, { timeout: TIMEOUT.start * 2 });
test.after(async () => { if (stack) await stack.stop(); });

// The app's frame once its page has loaded (the stand-in sets the frame's src after its bridge
// listener is in place).
async function appFrame(page) {
  return eventually(() => page.frame({ url: /\/_forge\/cdn\// }), { what: 'the Custom UI frame' });
}

async function forgeLog(page) {
  return page.evaluate(() => window.__fakeForge);
}

test('the admin pages in Jira through Forge: the whole flow, every call through invokeRemote', { timeout: 600e3 }, async (t) => {
  const page = await stack.newPage({ width: 700, height: 900 });
  t.after(() => stack.onFailure(t, page, 'forge-admin'));
  await page.goto(stack.forgePageUrl('forgeco', 'tc-config', { width: '600' }));
  const ui = await appFrame(page);
  await ui.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  assert.equal(await ui.getByRole('button', { name: 'Sign out' }).count(), 0, 'Jira signed the user in');
  // The logo and the stylesheet come from the resource folder on Forge's CDN.
  assert.ok(await ui.locator('.tcj-header__brand img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the logo loaded');
  assert.notEqual(await ui.locator('body').evaluate((b) => getComputedStyle(b).fontFamily), '', 'the stylesheet applies');
  await expectAccessible(ui, 'the Forge admin page');

  await adminFlow({ stack, page, ui, site: 'forgeco', tc: 'forge-tc',
                   audit: { actor: /^Jira user acc-admin$/, signedIn: false,
                            installed: { action: 'site.forge_installed', what: 'Installed the Forge app on this Jira site' } },
                   shot: (name) => stack.screenshot(page, `forge-${name}`) });

  const log = await forgeLog(page);
  assert.ok(log.invocations > 10, `the UI called the service through the bridge (${log.invocations} calls)`);
  assert.deepEqual(log.unsupported, [], 'the UI used only bridge calls Forge offers');
  assert.ok(log.calls.every((c) => c.path.startsWith('/api/v1/')), JSON.stringify(log.calls.slice(-5)));
  // Every one of them reached the service as a Forge invocation with a token.
  const { invocations } = await stack.jiraControl('GET', '/_control/forge/invocations?kind=ui');
  assert.ok(invocations.length >= log.invocations, `${invocations.length} invocations logged by Forge`);
});

test('the Forge issue panel lists the builds of its issue and opens TeamCity through Forge', { timeout: 180e3 }, async (t) => {
  const server = (await stack.api('forgeco', 'GET', '/api/v1/servers')).json.servers[0];
  if (!server) {
    const created = await stack.api('forgeco', 'POST', '/api/v1/servers',
      { name: 'Panel TC', url: stack.teamcityUrl('forge-tc'), auth: { type: 'token', token: 'forge-tc-token' } });
    assert.equal(created.status, 201, created.text);
  }
  const build = await stack.teamcityControl('POST', '/_control/servers/forge-tc/builds', {
    buildTypeId: 'Backend_UnitTests', state: 'finished', branch: 'feature/ABC-321-panel', tests: { count: 3, passed: 3 },
  });
  await eventually(async () => {
    const r = await stack.api('forgeco', 'GET', `/api/v1/diagnostics?q=${build.id}`);
    return r.json.builds.length === 1 && r.json.builds[0].jira.outcome === 'accepted';
  }, { timeout: TIMEOUT.sync, what: `build ${build.id} sent to Jira` });

  const page = await stack.newPage({ width: 900, height: 700 });
  t.after(() => stack.onFailure(t, page, 'forge-panel'));
  await page.goto(stack.forgePageUrl('forgeco', 'tc-issue-panel', { issueKey: 'ABC-321', accountId: 'acc-dev' }));
  const panel = await appFrame(page);
  const row = panel.locator('.tcj-builds tbody tr', { hasText: 'feature/ABC-321-panel' });
  await waitForText(row, /successful/i);
  assert.match(await row.innerText(), /Unit Tests/);
  assert.match(await row.innerText(), /3 passed/);
  await expectAccessible(panel, 'the Forge issue panel');
  await stack.screenshot(page, 'forge-issue-panel');

  // A TeamCity link leaves Jira through Forge's router (a new tab), not by the frame itself.
  const link = row.getByRole('link');
  const href = await link.getAttribute('href');
  assert.match(href, new RegExp(`^${stack.teamcityUrl('forge-tc').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await link.click();
  await eventually(async () => (await forgeLog(page)).navigations.some((n) => n.type === 'new-tab' && n.url === href),
                   { what: 'router.open of the TeamCity link' });

  await page.goto(stack.forgePageUrl('forgeco', 'tc-issue-panel', { issueKey: 'ABC-4999', accountId: 'acc-dev' }));
  await waitForText((await appFrame(page)).locator('body'), /No TeamCity builds mention ABC-4999 yet/);
  await expectAccessible(await appFrame(page), 'the Forge issue panel of an issue without builds');
  page.assertClean();
});

test('a Forge site that lost its token says so on every screen until Forge calls again', { timeout: 120e3 }, async (t) => {
  const page = await stack.newPage({ width: 1280, height: 720 });
  t.after(() => stack.onFailure(t, page, 'forge-waiting'));
  const installation = stack.forgeInstallations.forgeco;
  await stack.jiraControl('POST', `/_control/forge/installations/${installation}/expire-tokens`, {});
  // Standalone, with a local admin token: no Forge call brings a fresh token.
  await page.goto(`${stack.app}/admin`);
  await page.getByLabel('Admin token').fill(stack.adminToken('forgeco'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await waitForText(page.locator('.tcj-header__link'), /^linked through the Forge app$/);
  // A send that Jira refuses drops the token; until then the stored one still looks valid. (The
  // panel's test left a server that polls forge-tc.)
  await stack.teamcityControl('POST', '/_control/servers/forge-tc/builds', { buildTypeId: 'Backend_Build', state: 'finished', branch: 'feature/ABC-5-x' });
  await eventually(async () => {
    await page.reload();
    return (await page.locator('.tcj-site-notice .tcj-message--warning').count()) > 0;
  }, { timeout: TIMEOUT.sync, what: 'the waiting-for-Forge notice' });
  await waitForText(page.locator('.tcj-site-notice'), /Builds are not being sent to Jira: Forge has not called the service/);
  await expectAccessible(page, 'the admin page of a Forge site waiting for Forge');
  await stack.screenshot(page, 'forge-waiting');

  // Forge's hourly call brings a token: the notice is gone on the next screen.
  await stack.jiraControl('POST', `/_control/forge/installations/${installation}/tick`, { wait: 'final' });
  await page.reload();
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await eventually(async () => (await stack.api('forgeco', 'GET', '/api/v1/site')).json.forge.sending === 'ready', { what: 'sending ready' });
  await page.reload();
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  // The header's link and the notice come from the same answer: once one shows, so would the other.
  await waitForText(page.locator('.tcj-header__link'), /^linked through the Forge app$/);
  assert.equal(await page.locator('.tcj-site-notice .tcj-message').count(), 0);
  page.assertClean();
});

test('a Connect site that installed the Forge app: its Connect page says the Forge app sends now', { timeout: 180e3 }, async (t) => {
  await stack.addSite('mover');
  await eventually(() => /"msg":"sync\.cloud_ids_learnt"/.test(stack.logTail(100000)),
                   { timeout: TIMEOUT.sync, what: "the service learnt the Connect site's cloud id" });
  const moved = await stack.jiraControl('POST', '/_control/forge/installations', { appId: stack.forgeAppId, site: 'mover', wait: 'final' });
  assert.equal(moved.installation.status, 'active');
  const page = await stack.newPage({ width: 1000, height: 800 });
  t.after(() => stack.onFailure(t, page, 'forge-moved'));
  await page.goto(`${stack.jira}/_jira/sites/mover/configure?accountId=acc-admin`);
  const ui = page.frame({ url: /\/jira\/configure/ });
  await ui.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await waitForText(ui.locator('.tcj-site-notice'), /^This Jira site is now linked through the Forge app, which sends its builds/);
  await expectAccessible(ui, 'the Connect page of a site that moved to Forge');
  await stack.screenshot(page, 'forge-moved-connect-page');
  page.assertClean();
});
