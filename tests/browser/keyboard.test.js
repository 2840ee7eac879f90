'use strict';
// The main flow of the standalone admin pages with the keyboard alone: Tab, Shift+Tab, Enter,
// Space and Escape through page.keyboard, never a click, a fill or a focus() from the test. It
// signs in, adds a TeamCity server, opens it from the list, tests its connection, creates a webhook
// secret through its confirmation dialog, and removes the server from the list after first closing
// its dialog with Escape. At every stop the focus is where a keyboard user expects it, and it shows
// (:focus-visible).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, waitForText, expectAccessible, TIMEOUT } = require('./harness');

const NAME = 'Keyboard TeamCity';

let stack;
test.before(async () => {
  stack = await startStack({ sites: ['acme'] });
  await stack.addTeamCity('kb-tc', { builds: 40, days: 3, seed: 11 });
}, { timeout: TIMEOUT.start * 2 });
test.after(async () => { if (stack) await stack.stop(); });

// What has the focus: its role-ish tag, its name as a screen reader would roughly read it, whether
// it is inside an open dialog, and whether the browser shows it as focused (:focus-visible with an
// outline, or for text fields the focus border).
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', name: '', visible: false };
    const labelled = el.getAttribute('aria-labelledby');
    const label = el.labels && el.labels[0];
    const name = (el.getAttribute('aria-label') ||
                  (labelled && document.getElementById(labelled).textContent) ||
                  (label && label.textContent) || el.textContent || '').replace(/\s+/g, ' ').trim();
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const border = /^(input|select|textarea)$/i.test(el.tagName) && style.borderTopColor === 'rgb(56, 139, 255)';
    const box = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      type: el.getAttribute('type') || '',
      name,
      dialog: !!el.closest('dialog[open]'),
      visible: el.matches(':focus-visible') && (outline || border),
      onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < window.innerWidth,
    };
  });
}

// Asserts the focus is on the element named `name` (a string or RegExp) and shows.
async function expectFocus(page, name, what = '') {
  const f = await focused(page);
  const ok = typeof name === 'string' ? f.name === name : name.test(f.name);
  assert.ok(ok, `${what}: focus on ${JSON.stringify(name)}, is on ${JSON.stringify(f)}`);
  assert.ok(f.visible, `${what}: the focus on ${f.tag} "${f.name}" shows (:focus-visible)`);
  assert.ok(f.onScreen, `${what}: ${f.tag} "${f.name}" is on the screen`);
  return f;
}

// Presses Tab (Shift+Tab with back) until the focus is on `name`, at most `max` times; every
// element on the way must show its focus. Returns the names passed on the way.
async function tabTo(page, name, { back = false, max = 60 } = {}) {
  const passed = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    assert.ok(f.visible, `the focus on ${f.tag} "${f.name}" shows (:focus-visible) (after ${JSON.stringify(passed)})`);
    if (typeof name === 'string' ? f.name === name : name.test(f.name)) return passed;
    passed.push(f.name);
  }
  throw new Error(`${max} times ${back ? 'Shift+Tab' : 'Tab'} never reached ${name}: ${JSON.stringify(passed)}`);
}

test('keyboard only: sign in, add a server, open it, test it, confirm and dismiss dialogs', { timeout: 300e3 }, async (t) => {
  const page = await stack.newPage({ width: 1280, height: 800 });
  t.after(() => stack.onFailure(t, page, 'keyboard'));
  const { keyboard } = page;

  // The stylesheet styles :focus-visible (every check below relies on it).
  assert.ok(await page.goto(`${stack.app}/admin`));
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const rules = await page.evaluate(() => [...document.styleSheets].flatMap((s) => [...s.cssRules]).map((r) => r.selectorText || ''));
  assert.ok(rules.some((s) => s.includes(':focus-visible')), 'a :focus-visible style exists');

  // Sign in: the token field has the focus; type, Tab to the button, Enter.
  let f = await focused(page);
  assert.deepEqual([f.tag, f.name], ['input', 'Admin token']);
  await keyboard.type(stack.adminToken('acme'));
  assert.deepEqual(await tabTo(page, 'Sign in'), [], 'Sign in follows the token field');
  await keyboard.press('Enter');
  await page.getByRole('heading', { name: 'No TeamCity server yet' }).waitFor();

  // The first Tab reaches the skip link, shown on the screen; Enter moves to the content, whose
  // first stop is Add server, the next the empty list's own Add server. The list polls: two polls
  // later that link still has the focus.
  assert.deepEqual(await tabTo(page, 'Skip to content'), []);
  await expectFocus(page, 'Skip to content', 'the skip link');
  await keyboard.press('Enter');
  assert.equal((await focused(page)).tag, 'main');
  assert.deepEqual(await tabTo(page, 'Add server'), []);
  assert.deepEqual(await tabTo(page, 'Add server', { max: 1 }), []);
  for (let i = 0; i < 2; i += 1) {
    await page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/v1/servers');
  }
  await expectFocus(page, 'Add server', 'the empty list\'s link after two polls');
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('.tcj-empty')), 'the focus is in the empty list');
  await keyboard.press('Enter');

  // The form: the heading has the focus, then Name, URL, the kind of authentication, the token.
  await page.getByRole('heading', { name: 'Add a TeamCity server', level: 1 }).waitFor();
  await expectFocus(page, 'Add a TeamCity server', 'a new screen focuses its heading');
  assert.deepEqual(await tabTo(page, 'Name'), []);
  await keyboard.type(NAME);
  await tabTo(page, 'TeamCity URL', { max: 1 });
  await keyboard.type(stack.teamcityUrl('kb-tc'));
  await tabTo(page, 'Token', { max: 1 });  // the checked radio button of the group
  f = await focused(page);
  assert.deepEqual([f.tag, f.type], ['input', 'radio']);
  await tabTo(page, 'Access token', { max: 1 });
  await keyboard.type('kb-tc-token');
  // Submit with the form's button: it tests the connection first, then saves and opens the server.
  assert.deepEqual(await tabTo(page, 'Add server', { max: 1 }), []);
  await keyboard.press('Enter');
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor({ timeout: TIMEOUT.sync });
  await expectFocus(page, /^(TeamCity server|Keyboard TeamCity)$/, 'the new server\'s page focuses its heading');

  // Back to the list through the navigation (Shift+Tab), then into the server from its row.
  await tabTo(page, 'TeamCity servers', { back: true });
  await keyboard.press('Enter');
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await expectFocus(page, 'TeamCity servers', 'the list focuses its heading');
  await page.locator('tr', { hasText: NAME }).waitFor();
  assert.deepEqual(await tabTo(page, NAME), ['Add server']);
  await keyboard.press('Enter');
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  await expectFocus(page, NAME, 'the server\'s page focuses its heading');

  // Test connection with Space: the result is announced, and the focus stays on the button.
  await tabTo(page, 'Test connection');
  await keyboard.press(' ');
  await waitForText(page.locator('.tcj-card', { hasText: 'State' }).locator('.tcj-message--success'), /^Connected: TeamCity 2025\.07/);
  await expectFocus(page, 'Test connection', 'after the test');

  // A confirmation dialog, confirmed: the focus moves into it (on Cancel, the safe choice), Tab and
  // Shift+Tab go round inside it, Shift+Tab reaches the confirming button, Enter confirms, and the
  // focus lands on the new secret's first field.
  await tabTo(page, 'Create webhook secret');
  await keyboard.press('Enter');
  const webhookDialog = page.getByRole('dialog', { name: 'Create a new webhook secret?' });
  await webhookDialog.waitFor();
  f = await expectFocus(page, 'Cancel', 'a dialog opens with the focus inside');
  assert.equal(f.dialog, true);
  assert.match(await webhookDialog.evaluate((d) => document.getElementById(d.getAttribute('aria-describedby')).textContent),
               /^A new secret replaces the current one at once/, 'the dialog is described by its text');
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await keyboard.press(key);
    const inside = await focused(page);
    assert.ok(inside.dialog && inside.visible, `Tab stays in the dialog: ${JSON.stringify(inside)}`);
  }
  await tabTo(page, 'Create secret', { back: true, max: 4 });
  await expectAccessible(page, 'the dialog to create a webhook secret, opened by keyboard');
  await keyboard.press('Enter');
  await webhookDialog.waitFor({ state: 'detached' });
  await waitForText(page.locator('.tcj-webhook'), /Shown once\./);
  await expectFocus(page, 'Webhook URL', 'the secret shown once');
  await tabTo(page, 'Copy the webhook url', { max: 1 });

  // From the list: Escape closes the remove dialog and the focus goes back to the button that
  // opened it; Remove again, confirmed, gives the focus back to that button while the server is
  // being removed, and to the list's heading once its row is gone.
  await tabTo(page, 'TeamCity servers', { back: true });
  await keyboard.press('Enter');
  await page.getByRole('heading', { name: 'TeamCity servers', level: 1 }).waitFor();
  await page.locator('tr', { hasText: NAME }).waitFor();
  await tabTo(page, `Remove ${NAME}`);
  await keyboard.press('Enter');
  const removeDialog = page.getByRole('dialog', { name: `Remove ${NAME}?` });
  await removeDialog.waitFor();
  await expectFocus(page, 'Cancel', 'the remove dialog opens on Cancel');
  await keyboard.press('Escape');
  await removeDialog.waitFor({ state: 'detached' });
  await expectFocus(page, `Remove ${NAME}`, 'Escape gives the focus back to the opener');
  await keyboard.press(' ');
  await removeDialog.waitFor();
  await tabTo(page, 'Remove server', { back: true, max: 1 });
  await keyboard.press(' ');
  await removeDialog.waitFor({ state: 'detached' });
  // Back on the opener, or already on the heading when the removal was quick.
  f = await focused(page);
  assert.ok([`Remove ${NAME}`, 'TeamCity servers'].includes(f.name) && f.visible, `after confirming: ${JSON.stringify(f)}`);
  await page.getByRole('heading', { name: 'No TeamCity server yet' }).waitFor({ timeout: TIMEOUT.sync });
  await expectFocus(page, 'TeamCity servers', 'once the row is gone, the list\'s heading');
  page.assertClean();
});

// The start page at /: what a newcomer opens first. It passes axe, and its first link (after the
// page's own text) takes the keyboard to the admin pages.
test('the start page is accessible and leads to the admin pages by keyboard', { timeout: 120e3 }, async (t) => {
  const page = await stack.newPage();
  t.after(() => stack.onFailure(t, page, 'start-page'));
  await page.goto(`${stack.app}/`);
  await page.getByRole('heading', { name: 'TeamCity for Jira', level: 1 }).waitFor();
  assert.match(await page.getByRole('status').textContent(), /^Ready: /);
  await expectAccessible(page, 'start page');
  let f = await focused(page);
  for (let i = 0; i < 10 && f.name !== 'Open the admin pages'; i += 1) {
    await page.keyboard.press('Tab');
    f = await focused(page);
  }
  assert.equal(f.name, 'Open the admin pages', 'Tab reaches the admin pages link');
  assert.ok(f.visible, `the link shows its focus: ${JSON.stringify(f)}`);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${stack.app}/admin`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  page.assertClean();
});
