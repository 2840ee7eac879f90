#!/usr/bin/env node
// `make demo`: the service with a Jira site and a TeamCity to connect, all on this machine.
//
// Starts the fake Atlassian cloud (a Jira site "demo" connected with OAuth) and the fake TeamCity
// (a server "demo" with a few weeks of generated builds, deployments included), then the release
// executable with config/dev.toml and a fresh embedded database under .local/demo. Prints the admin
// page's address, the admin token to sign in with, and the TeamCity URL and token to add there.
// Ctrl-C stops everything.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const executable = path.join(root, 'build/release/teamcity-jira');
const dir = path.join(root, '.local/demo');
const ports = { app: 8080, jira: 8081, teamcity: 8111 };
const children = [];

function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
process.on('SIGINT', () => { stopAll(); process.exit(0); });
process.on('SIGTERM', () => { stopAll(); process.exit(0); });
process.on('exit', stopAll);

function startFake(name, port) {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [path.join(root, 'tests/fakes', name, 'main.js'), '--port', String(port)],
                        { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    child.stdout.once('data', () => resolve(`http://127.0.0.1:${port}`));
    child.on('exit', (code) => reject(new Error(`the fake ${name} stopped (exit ${code}); is port ${port} free?`)));
  });
}

async function post(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                      body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function run(args, env) {
  const result = spawnSync(executable, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`teamcity-jira ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function main() {
  if (!fs.existsSync(executable)) throw new Error('build first: make build');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);  // the embedded PostgreSQL runs as the postgres user when we are root

  const [jira, teamcity] = await Promise.all([startFake('atlassian', ports.jira), startFake('teamcity', ports.teamcity)]);
  const days = 21;
  await post(`${teamcity}/_control/servers`, {
    name: 'demo', token: 'demo-token', builds: 400, startTime: new Date(Date.now() - days * 86400e3).toISOString(),
    intervalSeconds: Math.floor((days * 86400) / 400),
  });
  await post(`${jira}/_control/sites`, { name: 'demo' });
  const credentials = await post(`${jira}/_control/sites/demo/oauth-credentials`, {});
  const secretFile = path.join(dir, 'client-secret');
  fs.writeFileSync(secretFile, `${credentials.clientSecret}\n`, { mode: 0o600 });

  const env = {
    ...process.env,
    TCJ_DATABASE_DATA_DIR: path.join(dir, 'postgres'),
    TCJ_SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    TCJ_OAUTH_TOKEN_URL: `${jira}/oauth/token`,
    TCJ_OAUTH_API_URL: `${jira}/api`,
    TCJ_TEAMCITY_POLL_INTERVAL_SECONDS: '10',
  };
  const config = ['--config', path.join(root, 'config/dev.toml')];
  const site = `${jira}/sites/demo`;
  run(['migrate', ...config], env);
  run(['sites', 'add', ...config, '--url', site, '--client-id', credentials.clientId, '--client-secret-file', secretFile], env);
  const token = run(['admin-tokens', 'create', ...config, '--site', site], env).match(/tcj_[A-Za-z0-9_-]+/)[0];

  const serve = spawn(executable, ['serve', ...config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(serve);
  serve.stderr.on('data', (chunk) => {
    if (process.env.DEMO_VERBOSE) process.stderr.write(chunk);
  });
  serve.on('exit', (code) => { console.error(`teamcity-jira serve stopped (exit ${code})`); process.exit(1); });
  for (let i = 0; ; ++i) {
    const ready = await fetch(`http://127.0.0.1:${ports.app}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 600) throw new Error('the service did not become ready; run with DEMO_VERBOSE=1 to see its log');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`
The demo is running (Ctrl-C stops it).

  1. Open   http://127.0.0.1:${ports.app}/admin
  2. Sign in with the admin token
            ${token}
  3. Add a TeamCity server:
            URL    ${teamcity}/tc/demo
            token  demo-token

The Jira site is the fake ${site}; what the service sent it is at
${jira}/_control/sites/demo/builds and ${jira}/_control/sites/demo/deployments.
`);
}

main().catch((e) => {
  console.error(`demo: ${e.message}`);
  process.exit(1);
});
