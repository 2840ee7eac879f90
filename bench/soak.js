#!/usr/bin/env node
// The failure budget in numbers (issue 18): two `serve` processes (release build) behind the
// round-robin balancer fake, on a PostgreSQL primary with a synchronous standby, between the fake
// TeamCity and the fake Atlassian cloud. For the whole run, new builds appear in TeamCity every
// second and clients call the admin API through the balancer; every few minutes one fault strikes,
// in turn: the database primary is lost (the standby is promoted, the old primary rebuilt as the
// new standby), a serve process is killed -9 (and started again), Jira answers 429 and then 5xx
// for a minute, TeamCity hangs for a minute.
//
//   node bench/soak.js [--minutes 30] [--fault-every 180] [--report build/soak/report.json]
//
// Reports the share of requests answered within 1 s, the builds delivered, how long builds took
// to reach Jira and the longest gap in delivery, as one JSON line (and the report file).
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { executable, call, sleep } = require('./lib/stack');
const { ReplicatedCluster } = require('./lib/replicated-cluster');
const { startFake, startFakeAnnounced, freePort, children } = require('./lib/processes');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const minutes = Number(option('minutes', 30));
const faultEvery = Number(option('fault-every', 180)) * 1000;
const reportFile = option('report', path.join(__dirname, '..', 'build', 'soak', 'report.json'));
const SERVERS = ['alpha', 'beta', 'gamma', 'delta'];
const CLIENTS = 4;
const log = (...what) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${what.join(' ')}\n`);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// One `serve` on a fixed port (so a restarted one comes back where the balancer expects it).
function startServe(env, name, dir) {
  const out = fs.openSync(path.join(dir, `serve-${name}.log`), 'a');
  const child = spawn(executable, ['serve'], { env, stdio: ['ignore', out, out] });
  children.push(child);
  return child;
}

async function waitReady(url, seconds = 120) {
  for (let i = 0; i < seconds * 10; ++i) {
    if ((await call('GET', `${url}/readyz`).catch(() => ({ status: 0 }))).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} did not become ready`);
}

async function main() {
  if (!fs.existsSync(executable)) throw new Error('build the release executable first: make build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-soak-'));
  fs.chmodSync(dir, 0o755);
  const cluster = new ReplicatedCluster(path.join(dir, 'ha'), [await freePort(), await freePort()]);
  process.on('exit', () => cluster.stop());
  cluster.start('teamcity_jira');

  const [jira, teamcity] = await Promise.all([startFake('atlassian'), startFake('teamcity')]);
  const ports = [await freePort(), await freePort()];
  // The balancer health-checks /readyz, as a load balancer in front of the service should.
  const front = await startFakeAnnounced('balancer', ['--upstream', ports.map((p) => `127.0.0.1:${p}`).join(','),
                                                      '--health-path', '/readyz']);
  const balancer = front.url;
  const balancerControl = front.announcement.controlOrigin;
  const env = (port) => ({
    ...process.env,
    TCJ_DATABASE_URL: cluster.url('tcj_app', 'teamcity_jira'),
    TCJ_DATABASE_MIGRATE_URL: cluster.url('postgres', 'teamcity_jira'),
    TCJ_DATABASE_POOL_SIZE: '12',
    TCJ_SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    TCJ_SERVER_LISTEN: `127.0.0.1:${port}`,
    TCJ_SERVER_PUBLIC_URL: balancer,
    TCJ_SERVER_METRICS_LISTEN: '127.0.0.1:0',
    TCJ_CONNECT_INSTALL_KEYS_URL: `${jira}/install-keys`,
    TCJ_JIRA_ALLOWED_SITE_HOSTS: '127.0.0.1',
    TCJ_JIRA_ALLOW_HTTP_SITES: 'true',
    TCJ_TEAMCITY_ALLOW_PRIVATE_NETWORKS: 'true',
    TCJ_TEAMCITY_POLL_INTERVAL_SECONDS: '5',
    // Every client comes through the balancer's one address: the run measures staying up, not
    // the rate limits.
    TCJ_LIMITS_IP_REQUESTS_PER_SECOND: '0',
    TCJ_LIMITS_TENANT_REQUESTS_PER_SECOND: '0',
    TCJ_LOG_LEVEL: 'info',
  });
  const keys = spawnSync(executable, ['keys', 'generate', '--output', path.join(dir, 'keyring.json')], { encoding: 'utf8' });
  if (keys.status !== 0) throw new Error(`keys generate failed: ${keys.stderr}`);
  const migrate = spawnSync(executable, ['migrate'], { env: env(ports[0]), encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const serves = ports.map((port, i) => startServe(env(port), 'ab'[i], dir));
  for (const port of ports) await waitReady(`http://127.0.0.1:${port}`);

  await call('POST', `${jira}/_control/sites`, { name: 'acme', admins: ['acc-admin'] });
  const installed = await call('POST', `${jira}/_control/sites/acme/install`, { appBaseUrl: balancer });
  if (installed.json.status !== 204) throw new Error(`install failed: ${installed.text}`);
  const token = async () => (await call('POST', `${jira}/_control/sites/acme/tokens`,
                                        { kind: 'context', accountId: 'acc-admin' })).json.token;

  const serverIds = {};
  const start = new Date(Date.now() - 2 * 86400e3).toISOString();
  for (const name of SERVERS) {
    const created = await call('POST', `${teamcity}/_control/servers`,
                               { name, token: 'tok', guest: true, builds: 300, startTime: start, intervalSeconds: 500 });
    if (created.status !== 201) throw new Error(created.text);
    const r = await call('POST', `${balancer}/api/v1/servers`,
                         { name, url: `${teamcity}/tc/${name}`, auth: { type: 'token', token: 'tok' } },
                         { Authorization: `JWT ${await token()}` });
    if (r.status !== 201) throw new Error(`adding ${name} failed: ${r.text}`);
    serverIds[name] = r.json.id;
  }
  log(`stack up in ${dir}; running ${minutes} min, a fault every ${faultEvery / 1000} s`);

  const t0 = Date.now();
  const end = t0 + minutes * 60e3;
  let running = true;

  // New builds: one a second, round the servers, each naming its own issue key.
  const added = [];  // { server, id, at }
  const producer = (async () => {
    for (let n = 0; Date.now() < end; ++n) {
      const name = SERVERS[n % SERVERS.length];
      const key = `ABC-${1 + (n % 500)}`;
      const r = await call('POST', `${teamcity}/_control/servers/${name}/builds`, {
        buildTypeId: 'Backend_Build', state: 'finished', branch: `feature/${key}-soak-${n}`, changes: [`${key} soak ${n}`],
      }).catch(() => null);
      if (r && r.status === 201) added.push({ server: name, id: r.json.id, at: Date.now() });
      await sleep(1000);
    }
  })();

  // Admin API load through the balancer: what the admin pages ask while open, reads of what the
  // sync writes, and now and then a write (a server renamed and back).
  const requests = [];  // { ms, status, at, write }
  const refusals = {};  // status -> the first few such answers, to say what they were
  const ids = Object.values(serverIds);
  const client = async (i) => {
    let jwt = await token();
    let minted = Date.now();
    for (let n = i; running; ++n) {
      if (Date.now() - minted > 60e3) {
        jwt = await token().catch(() => jwt);
        minted = Date.now();
      }
      const id = ids[n % ids.length];
      const write = n % 25 === 7;
      const [method, target, body] = write
        ? ['PUT', `/api/v1/servers/${id}`, { name: `${SERVERS[n % ids.length]}${n % 50 === 7 ? ' (renamed)' : ''}` }]
        : [['GET', '/api/v1/servers'], ['GET', `/api/v1/servers/${id}/status`], ['GET', `/api/v1/servers/${id}/builds?limit=20`],
          ['GET', `/api/v1/servers/${id}/events`]][n % 4];
      const began = Date.now();
      const r = await call(method, `${balancer}${target}`, body, { Authorization: `JWT ${jwt}` }).catch(() => ({ status: 0 }));
      requests.push({ ms: Date.now() - began, status: r.status, at: began - t0, write });
      if (!(r.status >= 200 && r.status < 300)) {
        const seen = (refusals[r.status] = refusals[r.status] || []);
        if (seen.length < 5) seen.push({ at: Math.round((began - t0) / 1000), method, target, body: (r.text || '').slice(0, 300) });
      }
      await sleep(200);
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));

  // The faults, in turn.
  const faults = [];
  const kinds = ['database', 'serve', 'jira', 'teamcity'];
  for (let k = 0; t0 + (k + 1) * faultEvery < end - 60e3; ++k) {
    await sleep(Math.max(0, t0 + (k + 1) * faultEvery - Date.now()));
    const kind = kinds[k % kinds.length];
    const began = Date.now();
    const fault = { kind, at: Math.round((began - t0) / 1000) };
    log(`fault ${k + 1}: ${kind}`);
    if (kind === 'database') {
      cluster.stopPrimaryHard();
      await sleep(2000);  // the failover tool's detection time
      cluster.promoteStandby();
      const promoted = Date.now();
      await Promise.all(ports.map((p) => waitReady(`http://127.0.0.1:${p}`)));
      fault.promotionToReadySeconds = (Date.now() - promoted) / 1000;
      cluster.rejoinAsStandby();
    } else if (kind === 'serve') {
      const victim = Math.floor(k / kinds.length) % serves.length;
      serves[victim].kill('SIGKILL');
      await new Promise((r) => serves[victim].on('exit', r));
      await sleep(2000);
      serves[victim] = startServe(env(ports[victim]), 'ab'[victim], dir);
      await waitReady(`http://127.0.0.1:${ports[victim]}`);
      fault.restartedSeconds = (Date.now() - began) / 1000;
    } else if (kind === 'jira') {
      const bulk = '/sites/acme/rest/';
      await call('POST', `${jira}/_control/faults`, [
        { method: 'POST', path: bulk, status: 429, headers: { 'Retry-After': '10' }, times: 6 },
        { method: 'POST', path: bulk, status: 503, body: { message: 'Service unavailable' }, times: -1 },
      ]);
      await sleep(60e3);
      await call('DELETE', `${jira}/_control/faults`);
    } else {
      await call('POST', `${teamcity}/_control/faults`, { path: '/tc/', hang: true, times: -1 });
      await sleep(60e3);
      await call('DELETE', `${teamcity}/_control/faults`);
    }
    fault.seconds = (Date.now() - began) / 1000;
    faults.push(fault);
  }
  await producer;
  while (Date.now() < end) await sleep(1000);

  // Settle: every build added must reach Jira; then the numbers.
  const delivered = new Map();  // "<serverId>#<buildId>" -> firstStoredAt (ms)
  const readJira = async () => {
    const stored = (await call('GET', `${jira}/_control/sites/acme/builds`)).json.builds;
    for (const b of stored) delivered.set(`${b.pipelineId.slice(0, 36)}#${b.buildNumber}`, Date.parse(b.firstStoredAt));
    return stored;
  };
  const keyOf = (a) => `${serverIds[a.server]}#${a.id}`;
  const settleUntil = Date.now() + 300e3;
  while (Date.now() < settleUntil) {
    await readJira();
    if (added.every((a) => delivered.has(keyOf(a)))) break;
    await sleep(2000);
  }
  running = false;
  await Promise.all(clients);
  const stored = await readJira();

  const latencies = added.filter((a) => delivered.has(keyOf(a))).map((a) => (delivered.get(keyOf(a)) - a.at) / 1000)
    .sort((a, b) => a - b);
  const arrivals = added.filter((a) => delivered.has(keyOf(a))).map((a) => delivered.get(keyOf(a))).sort((a, b) => a - b);
  let longestGap = 0;
  let longestGapFrom = null;  // seconds into the run, to tell which fault it followed
  for (let i = 1; i < arrivals.length; ++i) {
    const gap = (arrivals[i] - arrivals[i - 1]) / 1000;
    if (gap > longestGap) [longestGap, longestGapFrom] = [gap, Math.round((arrivals[i - 1] - t0) / 1000)];
  }
  const durations = requests.map((r) => r.ms).sort((a, b) => a - b);
  const ok = requests.filter((r) => r.status >= 200 && r.status < 300);
  const statuses = {};
  for (const r of requests) statuses[r.status] = (statuses[r.status] || 0) + 1;
  const lowerUsn = stored.reduce((n, b) => n + (b.lowerUsnUpdates || 0), 0);
  const balancerStats = (await call('GET', `${balancerControl}/_control/stats`).catch(() => ({ json: null }))).json;

  const report = {
    minutes,
    faults,
    requests: {
      total: requests.length,
      answeredWithin1s: ok.filter((r) => r.ms <= 1000).length,
      shareWithin1s: requests.length ? ok.filter((r) => r.ms <= 1000).length / requests.length : 0,
      statuses,
      writes: requests.filter((r) => r.write).length,
      writesRefused: requests.filter((r) => r.write && !(r.status >= 200 && r.status < 300)).length,
      refusals,
      p50ms: percentile(durations, 50),
      p99ms: percentile(durations, 99),
      maxMs: durations[durations.length - 1],
    },
    builds: {
      added: added.length,
      delivered: latencies.length,
      lowerUsnUpdates: lowerUsn,
      deliverySeconds: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] },
      longestGapSeconds: longestGap,
      longestGapFromSecond: longestGapFrom,
    },
    balancer: balancerStats,
  };
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const s of serves) s.kill('SIGTERM');
  await Promise.all(serves.map((s) => new Promise((r) => (s.exitCode !== null ? r() : s.on('exit', r)))));
  cluster.stop();
  if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(latencies.length === added.length && lowerUsn === 0 ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
