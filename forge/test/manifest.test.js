'use strict';
// The Forge manifest template: rendered the way `teamcity-jira forge manifest` renders it (plain
// text replacement of the two placeholders), it passes Atlassian's full manifest validation,
// declares what the service needs and no more; broken variants fail.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { ManifestParserBuilder } = require('@forge/manifest');
const { validateFile } = require('../validate-manifest.js');

const FORGE_DIR = path.resolve(__dirname, '..');
const SCRIPT = path.join(FORGE_DIR, 'validate-manifest.js');
const TEMPLATE_PATH = path.join(FORGE_DIR, 'manifest.yml.in');
const TEMPLATE = fs.readFileSync(TEMPLATE_PATH, 'utf8');
const APP_ID = 'ari:cloud:ecosystem::app/6f1c2a9e-3b7d-4e2a-9c51-0d8e4b7a2f13';
const PUBLIC_URL = 'https://tcj.example.com';

const ALLOWED_SCOPES = [
  'read:build-info:jira',
  'write:build-info:jira',
  'delete:build-info:jira',
  'read:deployment-info:jira',
  'write:deployment-info:jira',
  'delete:deployment-info:jira',
  'read:app-system-token',
  'read:app-user-token',
  // GET /rest/api/3/project/search and /rest/api/3/mypermissions; see manifest.yml.in.
  'read:jira-work'
];

// What the C++ command does: plain text replacement, no YAML processing.
function render(appId = APP_ID, publicUrl = PUBLIC_URL) {
  return TEMPLATE.split('@FORGE_APP_ID@').join(appId).split('@PUBLIC_URL@').join(publicUrl);
}

// Manifests are written outside forge/ on purpose: validate-manifest.js must cope with that.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-forge-test-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
// The Custom UI resources the manifest names, built as an operator builds them (build-ui.js).
const APP_DIR = path.join(tmp, 'app');
execFileSync(process.execPath, [path.join(FORGE_DIR, 'build-ui.js'), '--out', path.join(APP_DIR, 'static')], { stdio: 'pipe' });

let counter = 0;
function write(text) {
  const file = path.join(tmp, `manifest-${++counter}.yml`);
  fs.writeFileSync(file, text);
  return file;
}

function cli(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, '--resources', APP_DIR, ...args], { cwd: tmp }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

function parse(text) {
  return new ManifestParserBuilder().build().parseManifest({ content: text, filePath: 'manifest.yml' });
}

// Replaces `from` in text, failing loudly if the template no longer contains it.
function edit(text, from, to) {
  assert.ok(text.includes(from), `the rendered manifest should contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

// validateFile changes the working directory while it runs: one call at a time.
let queue = Promise.resolve();
function validate(file, resourcesDir = APP_DIR) {
  const result = queue.then(() => validateFile(file, resourcesDir));
  queue = result.catch(() => {});
  return result;
}

async function errorsOf(text) {
  const { errors } = await validate(write(text));
  return errors.map((e) => e.message);
}

// Every process compiles Atlassian's JSON schema once (several seconds): start the two CLI runs
// and the first in-process validation now so that they overlap.
const renderedFile = write(render());
const validRun = cli(renderedFile);
const unreplacedRun = cli(TEMPLATE_PATH);
const inProcessRun = validate(renderedFile);

test('the template has exactly the two placeholders', () => {
  const placeholders = new Set(TEMPLATE.match(/@[A-Z_]+@/g));
  assert.deepEqual([...placeholders].sort(), ['@FORGE_APP_ID@', '@PUBLIC_URL@']);
});

test('the rendered manifest passes the full validation (CLI: exit 0)', async () => {
  const { code, stdout, stderr } = await validRun;
  assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.equal(stdout.trim(), `${renderedFile}: valid`);
  assert.equal(stderr, '', 'no warnings expected');
});

test('the template with its placeholders left in is invalid (CLI: exit 1, errors with lines)', async () => {
  const { code, stdout } = await unreplacedRun;
  assert.equal(code, 1, stdout);
  assert.match(stdout, /manifest\.yml\.in:\d+: error: app property id '@FORGE_APP_ID@'/);
  assert.match(stdout, /manifest\.yml\.in:\d+: error: devops:buildInfoProvider property homeUrl '@PUBLIC_URL@'/);
});

test('usage errors exit 2', async () => {
  assert.equal((await cli()).code, 2);
  assert.equal((await cli(path.join(tmp, 'no-such-manifest.yml'))).code, 2);
  assert.equal((await cli('--no-such-option', renderedFile)).code, 2);
});

test('validated in-process, the rendered manifest has no errors or warnings', async () => {
  const { errors, warnings } = await inProcessRun;
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
});

test('a manifest without app.runtime is invalid', async () => {
  const text = edit(render(), '  runtime:\n    name: nodejs24.x\n', '');
  assert.ok(!('runtime' in parse(text).app));
  const errors = await errorsOf(text);
  assert.ok(errors.some((m) => /required property 'runtime'/.test(m)), errors.join('\n'));
});

test("a manifest whose remote has no baseUrl is invalid", async () => {
  const text = edit(render(), `    baseUrl: "${PUBLIC_URL}"\n`, '');
  assert.equal(parse(text).remotes[0].baseUrl, undefined);
  const errors = await errorsOf(text);
  assert.ok(errors.some((m) => /baseUrl/.test(m)), errors.join('\n'));
});

test('a scheduledTrigger with interval minute is invalid', async () => {
  const text = edit(render(), 'interval: hour', 'interval: minute');
  const errors = await errorsOf(text);
  assert.ok(errors.some((m) => /interval 'minute'/.test(m)), errors.join('\n'));
});

test('resources resolve against --resources DIR: without static/ the manifest is invalid', async () => {
  const empty = fs.mkdtempSync(path.join(tmp, 'no-static-'));
  const { errors } = await validate(renderedFile, empty);
  assert.ok(errors.some((e) => /static\/admin/.test(e.message)), errors.map((e) => e.message).join('\n'));
});

test('the rendered manifest declares the modules the service serves', () => {
  const manifest = parse(render());
  assert.equal(manifest.app.id, APP_ID);
  assert.ok(manifest.app.runtime?.name, 'app.runtime.name');
  const m = manifest.modules;

  for (const [type, key] of [
    ['devops:buildInfoProvider', 'tc-builds'],
    ['devops:deploymentInfoProvider', 'tc-deployments']
  ]) {
    assert.equal(m[type]?.length, 1, type);
    const provider = m[type][0];
    assert.equal(provider.key, key);
    assert.equal(provider.name.value, 'TeamCity');
    for (const field of ['homeUrl', 'logoUrl', 'documentationUrl']) {
      assert.ok(provider[field] === PUBLIC_URL || provider[field].startsWith(`${PUBLIC_URL}/`), `${type} ${field}`);
    }
    assert.equal(provider.function, undefined, `${type}: data comes from the remote, not a Forge function`);
  }
  assert.equal(
    m['devops:deploymentInfoProvider'][0].actions.listDeployments.urlTemplate,
    `${PUBLIC_URL}/admin#/diagnostics?q={issue.key}`
  );

  const customUi = (module) => typeof module.resource === 'string' && module.render !== 'native';
  const adminPages = m['jira:adminPage'];
  assert.equal(adminPages?.length, 2);
  const config = adminPages.filter((p) => p.useAsConfig === true);
  const sidebar = adminPages.filter((p) => !p.useAsConfig && !p.useAsGetStarted);
  assert.equal(config.length, 1, 'one admin page with useAsConfig: true');
  assert.equal(sidebar.length, 1, 'one plain (sidebar) admin page');
  assert.ok(customUi(config[0]));
  assert.equal(config[0].resolver?.endpoint, 'remote-ui');
  assert.equal(sidebar[0].resolver?.endpoint, 'remote-ui');

  assert.equal(m['jira:issuePanel']?.length, 1);
  assert.ok(customUi(m['jira:issuePanel'][0]));
  assert.equal(m['jira:issuePanel'][0].resolver?.endpoint, 'remote-ui');

  const endpoints = Object.fromEntries(m.endpoint.map((e) => [e.key, e]));
  const remoteKey = manifest.remotes[0].key;
  for (const e of m.endpoint) assert.equal(e.remote, remoteKey, `endpoint ${e.key} goes to the remote`);
  const routeOf = (key) => endpoints[key]?.route?.path;
  const systemOnly = (key) => {
    assert.equal(endpoints[key].auth?.appSystemToken?.enabled, true, `${key}: appSystemToken`);
    assert.notEqual(endpoints[key].auth?.appUserToken?.enabled, true, `${key}: no appUserToken`);
  };

  assert.equal(m.trigger?.length, 1);
  assert.deepEqual([...m.trigger[0].events].sort(), ['avi:forge:installed:app', 'avi:forge:upgraded:app']);
  assert.equal(routeOf(m.trigger[0].endpoint), '/forge/lifecycle');
  systemOnly(m.trigger[0].endpoint);

  assert.equal(m.scheduledTrigger?.length, 1);
  assert.equal(m.scheduledTrigger[0].interval, 'hour');
  assert.equal(routeOf(m.scheduledTrigger[0].endpoint), '/forge/tick');
  systemOnly(m.scheduledTrigger[0].endpoint);

  assert.equal(m.preUninstall?.length, 1);
  assert.equal(routeOf(m.preUninstall[0].endpoint), '/forge/pre-uninstall');
  systemOnly(m.preUninstall[0].endpoint);

  const ui = endpoints['remote-ui'];
  assert.equal(ui.auth?.appSystemToken?.enabled, true);
  assert.equal(ui.auth?.appUserToken?.enabled, true);

  assert.equal(manifest.remotes.length, 1);
  assert.ok(remoteKey.length <= 23);
  assert.equal(manifest.remotes[0].baseUrl, PUBLIC_URL);

  assert.deepEqual(
    Object.fromEntries(manifest.resources.map((r) => [r.key, r.path])),
    { 'admin-ui': 'static/admin', 'issue-panel-ui': 'static/issue-panel' }
  );
  assert.equal(config[0].resource, 'admin-ui');
  assert.equal(sidebar[0].resource, 'admin-ui');
  assert.equal(m['jira:issuePanel'][0].resource, 'issue-panel-ui');
  for (const r of manifest.resources) {
    assert.ok(fs.existsSync(path.join(APP_DIR, r.path, 'index.html')), `${r.path}/index.html`);
  }
});

test('the rendered manifest asks for no scope beyond the allowed list', () => {
  const scopes = parse(render()).permissions.scopes;
  assert.ok(Array.isArray(scopes));
  assert.deepEqual(scopes.filter((s) => !ALLOWED_SCOPES.includes(s)), [], 'unexpected scopes');
  for (const needed of ALLOWED_SCOPES) assert.ok(scopes.includes(needed), `missing scope ${needed}`);
  assert.equal(new Set(scopes).size, scopes.length, 'no duplicates');
  assert.deepEqual(Object.keys(parse(render()).permissions), ['scopes'], 'no egress or content permissions');
});
