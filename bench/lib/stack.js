// The stack the benchmarks run: the release executable with its embedded PostgreSQL between the
// fake TeamCity and the fake Atlassian cloud, on loopback, and a Connect-installed site "acme".
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { root, children, startFake, freePort } = require('./processes');

const executable = path.join(root, 'build/release/teamcity-jira');

async function call(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json, text };
}

function procStats(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number((status.match(new RegExp(`${field}:\\s+(\\d+)`)) || [0, 0])[1]);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = 100;  // USER_HZ on Linux
  return { rssMiB: kb('VmRSS') / 1024, peakRssMiB: kb('VmHWM') / 1024,
           cpuSeconds: (Number(stat[11]) + Number(stat[12])) / ticks };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// CPU seconds used so far by the fakes and by the PostgreSQL processes of this run's cluster.
function otherCpu(fakes, dataDir) {
  let fakeSeconds = 0;
  const perFake = fakes.map((pid) => procStats(pid).cpuSeconds);
  for (const seconds of perFake) fakeSeconds += seconds;
  let pgSeconds = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres' && (cmdline.includes(dataDir) || fs.readlinkSync(`/proc/${entry}/cwd`) === dataDir)) {
        pgSeconds += procStats(entry).cpuSeconds;
      }
    } catch { /* gone, or not ours to read */ }
  }
  return { fakeSeconds, perFake, pgSeconds };
}

async function startStack(options = {}) {
  if (!fs.existsSync(executable)) throw new Error('build the release executable first: make build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-bench-'));
  fs.chmodSync(dir, 0o755);  // the embedded PostgreSQL runs as the postgres user
  const [jira, teamcity, port] = await Promise.all([startFake('atlassian'), startFake('teamcity'), freePort()]);
  const fakePids = children.map((c) => c.pid);
  const app = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    TCJ_DATABASE_DATA_DIR: path.join(dir, 'pg'),
    TCJ_SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    TCJ_SERVER_LISTEN: `127.0.0.1:${port}`,
    TCJ_SERVER_PUBLIC_URL: app,
    TCJ_SERVER_METRICS_LISTEN: '127.0.0.1:0',
    TCJ_CONNECT_INSTALL_KEYS_URL: `${jira}/install-keys`,
    TCJ_JIRA_ALLOWED_SITE_HOSTS: '127.0.0.1',
    TCJ_JIRA_ALLOW_HTTP_SITES: 'true',
    TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS: 'true',  // the fake TeamCity is on loopback, over http
    // One client adding 1 000 servers as fast as it can: measures syncing, not the rate limits.
    TCJ_LIMITS_IP_REQUESTS_PER_SECOND: '0',
    TCJ_LIMITS_TENANT_REQUESTS_PER_SECOND: '0',
    TCJ_LIMITS_IP_PAGE_VIEWS_PER_SECOND: '0',
    TCJ_LIMITS_TENANT_PAGE_VIEWS_PER_SECOND: '0',
    TCJ_LOG_LEVEL: process.env.TCJ_LOG_LEVEL || 'warn',
  };
  const migrate = spawnSync(executable, ['migrate'], { env, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  if (process.env.BENCH_PG_CONF) {
    // Extra PostgreSQL settings for an experiment, e.g. BENCH_PG_CONF="shared_buffers = '512MB'".
    fs.appendFileSync(path.join(env.TCJ_DATABASE_DATA_DIR, 'postgresql.conf'), `\n${process.env.BENCH_PG_CONF}\n`);
  }
  if (options.pgStats) {
    // Loaded at the next start, which is serve's: where PostgreSQL spends its time.
    fs.appendFileSync(path.join(env.TCJ_DATABASE_DATA_DIR, 'postgresql.conf'),
                      "\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = 'all'\n");
  }
  const serve = spawn(executable, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(serve);
  for (let i = 0; ; ++i) {
    if ((await call('GET', `${app}/readyz`).catch(() => ({ status: 0 }))).status === 200) break;
    if (i > 600) throw new Error('serve did not become ready');
    await sleep(100);
  }

  await call('POST', `${jira}/_control/sites`, { name: 'acme', admins: ['acc-admin'] });
  const installed = await call('POST', `${jira}/_control/sites/acme/install`, { appBaseUrl: app });
  if (installed.json.status !== 204) throw new Error(`install failed: ${installed.text}`);
  const api = async (method, p, body) => {
    const token = (await call('POST', `${jira}/_control/sites/acme/tokens`, { kind: 'context', accountId: 'acc-admin' })).json.token;
    return call(method, `${app}${p}`, body, { Authorization: `JWT ${token}` });
  };
  const addServer = async (name) => {
    const r = await api('POST', '/api/v1/servers', { name, url: `${teamcity}/tc/${name}`, auth: { type: 'token', token: 'tok' } });
    if (r.status !== 201) throw new Error(`adding ${name} failed: ${r.text}`);
    return r.json.id;
  };
  // A server reached through a relay (`teamcity-jira relay`) started here, next to "TeamCity":
  // the server is added, its relay token created, the relay started, and its connection awaited.
  const addRelayedServer = async (name) => {
    const r = await api('POST', '/api/v1/servers', { name, url: `${teamcity}/tc/${name}`, auth: { type: 'relay' } });
    if (r.status !== 201) throw new Error(`adding ${name} failed: ${r.text}`);
    const token = await api('POST', `/api/v1/servers/${r.json.id}/relay/token`);
    if (token.status !== 201) throw new Error(`no relay token: ${token.text}`);
    fs.writeFileSync(path.join(dir, 'relay-token'), `${token.json.token}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'teamcity-token'), 'tok\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'relay.toml'), [
      '[service]', `url = "${app}"`, `token_file = "${path.join(dir, 'relay-token')}"`,
      `channels = ${process.env.BENCH_RELAY_CHANNELS || 2}`, '',
      '[teamcity]', `url = "${teamcity}/tc/${name}"`, 'auth = "token"',
      `token_file = "${path.join(dir, 'teamcity-token')}"`, 'max_requests_per_second = 1000', '',
      '[log]', 'level = "warn"', ''].join('\n'));
    const relay = spawn(executable, ['relay', '--config', path.join(dir, 'relay.toml')],
                        { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(relay);
    for (let i = 0; ; ++i) {
      if ((await api('GET', `/api/v1/servers/${r.json.id}/relay`)).json.connected) break;
      if (i > 300) throw new Error('the relay did not connect');
      await sleep(100);
    }
    return { id: r.json.id, relay };
  };
  const synced = async (id) => {
    const s = (await api('GET', `/api/v1/servers/${id}/status`)).json;
    return s && s.backfill && s.backfill.state === 'done' && s.last_success_at && s.builds.pending === 0 ? s : null;
  };

  const stop = async () => {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.on('exit', r));
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  // SQL run on the embedded cluster as its superuser (a benchmark's own measurements only).
  const psql = (sql) => {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-h', env.TCJ_DATABASE_DATA_DIR, '-d', 'teamcity_jira',
                                    '-X', '-A', '-t', '-F', '\t', '-c', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').filter(Boolean).map((line) => line.split('\t'));
  };
  return { dir, app, jira, teamcity, env, serve, fakePids, api, addServer, addRelayedServer, synced, stop, psql };
}

module.exports = { executable, startStack, call, sleep, procStats, otherCpu };
