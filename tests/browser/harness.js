'use strict';
// The stack the browser tests drive: both fakes (port 0), the built service on an embedded
// PostgreSQL in a temporary folder (migrate, then serve), Connect-installed Jira sites in the fake
// Atlassian cloud, and headless Chromium through playwright-core. stop() ends every process it
// started, also when a test failed or the runner sends SIGTERM.
//
// Environment: TCJ_EXECUTABLE (default build/debug/teamcity-jira), CHROMIUM (default
// /usr/bin/chromium), TCJ_SCREENSHOT_DIR (default build/screenshots). None of them reaches the
// service, which refuses unknown TCJ_ variables.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..', '..');
const executable = path.resolve(root, process.env.TCJ_EXECUTABLE || 'build/debug/teamcity-jira');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshotDir = path.resolve(root, process.env.TCJ_SCREENSHOT_DIR || 'build/screenshots');

// Upper bounds for waiting; nothing waits for a fixed time.
const SECOND = 1000;
const TIMEOUT = { ui: 20 * SECOND, sync: 180 * SECOND, start: 120 * SECOND };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const live = new Set();  // child processes still running, killed on any exit
function killAll() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}

function track(child) {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

function startFake(kind) {
  return new Promise((resolve, reject) => {
    // stdin stays a pipe: when this process dies the fake sees EOF and exits.
    const child = track(spawn(process.execPath, [path.join(root, 'tests/fakes', kind, 'main.js'), '--port', '0'],
                              { stdio: ['pipe', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      try {
        resolve({ child, origin: `http://127.0.0.1:${JSON.parse(out.slice(0, nl)).listening.port}` });
      } catch (e) {
        reject(new Error(`${kind} fake said ${out}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`${kind} fake exited with ${code}`)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function call(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: response.status, json, text };
}

async function expectOk(promise, what) {
  const r = await promise;
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r.json;
}

// Polls fn until it returns a truthy value; fails after timeoutMs with what it saw last.
async function eventually(fn, { timeout = TIMEOUT.ui, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last && last.stack ? last.stack : JSON.stringify(last)}`);
    await sleep(200);
  }
}

// Waits until the locator's text matches re (an upper bound, not a delay), returns the text.
async function waitForText(locator, re, timeout = TIMEOUT.ui) {
  let text = '';
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
    return await eventually(async () => {
      text = (await locator.first().innerText()).replace(/\s+/g, ' ');
      return re.test(text) ? text : null;
    }, { timeout, what: String(re) });
  } catch (e) {
    throw new Error(`expected ${re} in ${locator}; saw "${text}": ${e.message.split('\n')[0]}`);
  }
}

// The environment of the service: only what we set (a TCJ_ variable it does not know stops it).
function serviceEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TCJ_')) env[k] = v;
  return { ...env, ...extra };
}

// The Forge app the fake plays (tests/fakes/README.md "Forge platform"): its Custom UI resources are
// built from forge/ui as an operator builds them, and the service is configured as its remote.
async function startForgeApp(stack) {
  const appDir = path.join(stack.dir, 'forge-app');
  const built = spawnSync(process.execPath, [path.join(root, 'forge', 'build-ui.js'), '--out', path.join(appDir, 'static')],
                          { encoding: 'utf8', timeout: TIMEOUT.start });
  if (built.status !== 0) throw new Error(`forge/build-ui.js failed (${built.status}): ${built.stderr}`);
  await stack.jiraControl('POST', '/_control/forge/settings', { retryDelayMs: 200 });
  const app = await stack.jiraControl('POST', '/_control/forge/apps', { remoteBaseUrl: stack.app, resourcesDir: appDir });
  stack.forgeAppId = app.appId;
  return {
    TCJ_FORGE_APP_ID: app.appId,
    TCJ_FORGE_JWKS_URL: `${stack.jira}/forge/.well-known/jwks.json`,
    TCJ_FORGE_API_HOSTS: '127.0.0.1',
  };
}

// sites: Connect sites to install; forge: also play a Forge app whose remote is the service
// (addForgeSite installs it).
async function startStack({ sites = ['acme'], forge = false, env: extraEnv = {} } = {}) {
  if (!fs.existsSync(executable)) throw new Error(`no executable at ${executable}: build it (or set TCJ_EXECUTABLE)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-browser-'));
  fs.chmodSync(dir, 0o755);  // the embedded PostgreSQL runs as the postgres user when we are root
  const stack = Object.assign({ dir, children: [], pages: [], forgeInstallations: {} }, methods);
  try {
    const [jira, teamcity, port] = await Promise.all([startFake('atlassian'), startFake('teamcity'), freePort()]);
    stack.children.push(jira.child, teamcity.child);
    stack.jira = jira.origin;
    stack.teamcity = teamcity.origin;
    stack.app = `http://127.0.0.1:${port}`;
    stack.env = serviceEnv({
      TCJ_DATABASE_DATA_DIR: path.join(dir, 'pg'),
      TCJ_SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
      TCJ_SERVER_LISTEN: `127.0.0.1:${port}`,
      TCJ_SERVER_PUBLIC_URL: stack.app,
      TCJ_SERVER_METRICS_LISTEN: '127.0.0.1:0',
      TCJ_CONNECT_INSTALL_KEYS_URL: `${jira.origin}/install-keys`,
      TCJ_CONNECT_ALL_JS_URL: `${jira.origin}/_jira/all.js`,
      TCJ_OAUTH_TOKEN_URL: `${jira.origin}/oauth/token`,
      TCJ_OAUTH_API_URL: `${jira.origin}/api`,
      TCJ_JIRA_ALLOWED_SITE_HOSTS: '127.0.0.1',
      TCJ_JIRA_ALLOW_HTTP_SITES: 'true',
      TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS: 'true',
      TCJ_TEAMCITY_POLL_INTERVAL_SECONDS: '2',
      TCJ_LOG_LEVEL: 'warn',
      ...(forge ? await startForgeApp(stack) : {}),
      ...extraEnv,
    });
    const migrate = spawnSync(executable, ['migrate'], { env: stack.env, encoding: 'utf8', timeout: TIMEOUT.start });
    if (migrate.status !== 0) throw new Error(`migrate failed (${migrate.status}): ${migrate.stderr}`);

    stack.log = fs.openSync(path.join(dir, 'serve.log'), 'a');
    stack.serve = track(spawn(executable, ['serve'], { env: stack.env, stdio: ['ignore', stack.log, stack.log] }));
    let exited = null;
    stack.serve.on('exit', (code, signal) => { exited = { code, signal }; });
    await eventually(async () => {
      if (exited) throw new Error(`serve exited (${JSON.stringify(exited)}): ${stack.logTail()}`);
      return (await call('GET', `${stack.app}/readyz`).catch(() => ({ status: 0 }))).status === 200;
    }, { timeout: TIMEOUT.start, what: 'serve to be ready' });

    for (const name of sites) await stack.addSite(name);
    stack.browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    return stack;
  } catch (e) {
    await stopStack(stack);
    throw e;
  }
}

// ---- what a stack offers the tests ----

const methods = {
  logTail(lines = 40) {
    try {
      return fs.readFileSync(path.join(this.dir, 'serve.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  },

  jiraControl(method, p, body) { return expectOk(call(method, `${this.jira}${p}`, body), `fake Atlassian ${method} ${p}`); },
  teamcityControl(method, p, body) { return expectOk(call(method, `${this.teamcity}${p}`, body), `fake TeamCity ${method} ${p}`); },

  siteUrl(name) { return `${this.jira}/sites/${name}`; },

  // A Jira site with the app installed through Connect's signed lifecycle callback.
  async addSite(name, { admins = ['acc-admin'] } = {}) {
    await this.jiraControl('POST', '/_control/sites', { name, admins, projects: { ABC: 500, DEMO: 500 } });
    const installed = await this.jiraControl('POST', `/_control/sites/${name}/install`, { appBaseUrl: this.app });
    if (installed.status !== 204) throw new Error(`installing the app in ${name} failed: ${JSON.stringify(installed)}`);
  },

  // A fake TeamCity server whose history lies in the last `days` days (inside the backfill window).
  async addTeamCity(name, { builds = 300, days = 10, ...config } = {}) {
    const start = new Date(Date.now() - days * 86400e3).toISOString();
    return this.teamcityControl('POST', '/_control/servers', {
      name, token: `${name}-token`, builds, startTime: start, intervalSeconds: Math.floor((days * 86400) / builds), ...config,
    });
  },
  teamcityUrl(name) { return `${this.teamcity}/tc/${name}`; },

  // A Jira site with the Forge app installed (startStack({forge: true})); the installed event is
  // delivered before this returns.
  async addForgeSite(name, { admins = ['acc-admin'] } = {}) {
    await this.jiraControl('POST', '/_control/sites', { name, admins, projects: { ABC: 500, DEMO: 500 } });
    const { installation } = await this.jiraControl('POST', '/_control/forge/installations',
                                                    { appId: this.forgeAppId, site: name, wait: 'final' });
    this.forgeInstallations[name] = installation.uuid;
  },

  // The stand-in Jira page showing a module of the Forge app (a Custom UI frame from the fake CDN).
  forgePageUrl(site, moduleKey, params = {}) {
    return `${this.jira}/_jira/sites/${site}/forge/${moduleKey}?${new URLSearchParams({ accountId: 'acc-admin', ...params })}`;
  },

  // The admin API as a Jira admin of the site: with a Connect context token (as the Connect page
  // does), or through Forge's invokeRemote for a Forge site.
  async api(site, method, p, body) {
    const installation = this.forgeInstallations[site];
    if (installation) {
      const r = await this.jiraControl('POST', `/_control/forge/installations/${installation}/invoke`,
                                       { method, path: p, body, accountId: 'acc-admin' });
      if (r.outcome !== 'resolved') throw new Error(`invokeRemote ${method} ${p} was rejected: ${r.error}`);
      return { status: r.status, json: r.body, text: JSON.stringify(r.body) };
    }
    const { token } = await this.jiraControl('POST', `/_control/sites/${site}/tokens`, { kind: 'context', accountId: 'acc-admin' });
    return call(method, `${this.app}${p}`, body, { Authorization: `JWT ${token}` });
  },

  // A local admin token for the standalone page, made by the executable as an operator would.
  adminToken(site) {
    const r = spawnSync(executable, ['admin-tokens', 'create', '--site', this.siteUrl(site)], { env: this.env, encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) throw new Error(`admin-tokens create failed (${r.status}): ${r.stderr}`);
    const token = r.stdout.trim().split('\n').pop();
    if (!token.startsWith('tcj_')) throw new Error(`admin-tokens create printed ${r.stdout}`);
    return token;
  },

  // A page whose uncaught exceptions and Content-Security-Policy violations are collected:
  // assertClean() fails the test when there were any.
  async newPage({ width = 1280, height = 900 } = {}) {
    const context = await this.browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.problems = [];
    page.dialogs = [];
    page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Refused to/i.test(text)) page.problems.push(`CSP: ${text}`);
    });
    page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page.setDefaultTimeout(TIMEOUT.ui);
    page.assertClean = () => {
      if (page.problems.length || page.dialogs.length) {
        throw new Error(`page problems: ${JSON.stringify({ problems: page.problems, dialogs: page.dialogs })}`);
      }
    };
    this.pages.push(context);
    return page;
  },

  async screenshot(page, name) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  },

  // For t.after(): when the test failed, a screenshot of where it stopped and the service's log.
  async onFailure(t, page, name) {
    if (t.passed !== false) return;
    const file = await this.screenshot(page, `failed-${name}`).catch(() => null);
    console.error(`screenshot: ${file}\nservice log (last lines):\n${this.logTail()}`);
  },

  stop() { return stopStack(this); },
};

// ---- accessibility ----

// axe-core's browser build, put into the page by evaluating its source: the pages' own
// Content-Security-Policy (script-src 'self', Forge's stricter one) refuses the inline <script> that
// page.addScriptTag would add, and DevTools' evaluation is not subject to it.
const axeSource = fs.readFileSync(require.resolve('axe-core'), 'utf8');
const BLOCKING = new Set(['serious', 'critical']);

// Runs axe-core on what `ui` (a page, or the app's frame inside Jira) shows now, with every rule
// axe runs by default (WCAG 2.0-2.2 A and AA, and its best practices), and fails when one of impact
// serious or critical is violated, naming each rule, its impact, its help and the offending
// elements. label says which screen it was. No rule is turned off.
async function expectAccessible(ui, label) {
  if (!(await ui.evaluate(() => typeof window.axe === 'object'))) await ui.evaluate(axeSource);
  const violations = await ui.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' >>> '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  });
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  if (blocking.length === 0) return violations;
  const text = blocking.map((v) => [
    `${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>`,
    ...v.nodes.map((n) => `    ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`),
  ].join('\n')).join('\n');
  throw new Error(`accessibility violations on ${label}:\n${text}`);
}

async function stopStack(stack) {
  for (const context of stack.pages || []) await context.close().catch(() => {});
  if (stack.browser) await stack.browser.close().catch(() => {});
  if (stack.serve && stack.serve.exitCode === null && stack.serve.signalCode === null) {
    const exited = new Promise((r) => stack.serve.once('exit', r));
    stack.serve.kill('SIGTERM');
    const timer = setTimeout(() => stack.serve.kill('SIGKILL'), 30 * SECOND);
    await exited;
    clearTimeout(timer);
  }
  // serve stops the embedded PostgreSQL it started; after a SIGKILL it could not.
  const pgDir = path.join(stack.dir, 'pg');
  if (fs.existsSync(path.join(pgDir, 'postmaster.pid'))) {
    const pgCtl = fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin/pg_ctl`).find((p) => fs.existsSync(p));
    if (pgCtl) {
      const asPostgres = process.getuid && process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
      const cmd = [...asPostgres, pgCtl, '-D', pgDir, 'stop', '-m', 'immediate'];
      spawnSync(cmd[0], cmd.slice(1), { stdio: 'ignore', timeout: 30 * SECOND });
    }
  }
  for (const child of stack.children || []) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5 * SECOND);
      await exited;
      clearTimeout(timer);
    }
  }
  if (stack.log !== undefined) fs.closeSync(stack.log);
  if (stack.dir) fs.rmSync(stack.dir, { recursive: true, force: true });
}

module.exports = {
  startStack,
  eventually,
  waitForText,
  expectAccessible,
  TIMEOUT,
  root,
  screenshotDir,
};
