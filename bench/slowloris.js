#!/usr/bin/env node
// Slowloris benchmark: how valid requests fare while hundreds of clients dribble request headers.
//
//   node bench/slowloris.js [--connections 300] [--interval-ms 1000] [--seconds 10]
//                           [--header-timeout 10] [--fd-limit N] [--slow-address 127.0.0.2]
//                           [--executable build/release/teamcity-jira]
//
// Starts the release executable with its embedded PostgreSQL in a temporary folder, then
//   1. measures GET /healthz with `wrk -t1 -c20 -d<seconds>s --latency` and with a probe that opens
//      a new connection per request (can a new client still get in?);
//   2. opens <connections> slow connections that each send one header byte every <interval-ms> and
//      never finish their headers; whenever the server closes one, another takes its place, so
//      that many are open throughout;
//   3. measures the same again while they are open, and reports how long the server let each slow
//      connection live (it should be server.header_timeout_seconds).
// --fd-limit N runs the service with at most N open files (systemd's default soft limit is 1024):
// serve keeps server.max_connections under it. The slow clients connect from --slow-address (another
// loopback address than the measured clients, as an attacker would be another host), so that the
// cap per client address (server.max_connections_per_ip) applies to them and not to the others;
// the connections it refuses at once are counted apart.
// Prints one JSON line of results. Needs wrk, and build/release/teamcity-jira (make build).
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const executable = path.resolve(root, option('executable', 'build/release/teamcity-jira'));
const connections = Number(option('connections', 300));
const intervalMs = Number(option('interval-ms', 1000));
const seconds = Number(option('seconds', 10));
const headerTimeout = Number(option('header-timeout', 10));
const fdLimit = Number(option('fd-limit', 0));  // the service's open-file limit; 0: inherited
const slowAddress = option('slow-address', '127.0.0.2');

const { children, freePort } = require('./lib/processes');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One GET on a new connection: resolves with the milliseconds until the whole answer arrived.
function fresh(port, target, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => { data += d; });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!data.startsWith('HTTP/1.1 200')) return reject(new Error(`got: ${data.slice(0, 40)}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// Up to 200 requests one after another, each on a new connection, for at most `seconds`; a
// request that takes over 5 s counts as failed.
async function probe(port, count = 200) {
  const times = [];
  let failed = 0;
  const end = Date.now() + seconds * 1000;
  for (let i = 0; i < count && Date.now() < end; ++i) {
    try {
      times.push(await fresh(port, '/healthz', 5000));
    } catch {
      ++failed;
    }
  }
  times.sort((a, b) => a - b);
  const round = (v) => (v === undefined ? null : +v.toFixed(2));
  return { requests: times.length + failed, failed, p50Ms: round(percentile(times, 50)),
           p99Ms: round(percentile(times, 99)), maxMs: round(times[times.length - 1]) };
}

// Runs a command to its end without blocking this process's event loop (the slow clients must
// keep dribbling meanwhile); resolves with its standard output.
function run(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed: ${err}`))));
  });
}

// wrk's --latency output: "Requests/sec: 12345.67" and "  99%  1.23ms".
async function wrk(port) {
  const out = await run('wrk', ['-t1', '-c20', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/healthz`]);
  const ms = (text) => {
    const m = text.match(/^([\d.]+)(us|ms|s)$/);
    return m ? +(Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]).toFixed(3) : null;
  };
  const at = (p) => ms((out.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm')) || [])[1] || '');
  const errors = out.match(/Socket errors: (.*)/);
  const non2xx = out.match(/Non-2xx or 3xx responses: (\d+)/);
  return { requestsPerSecond: Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [0, 0])[1]),
           p50Ms: at(50), p90Ms: at(90), p99Ms: at(99),
           socketErrors: errors ? errors[1] : 'none', non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

// The fresh-connection probe runs in a child process, so that its timings do not include this
// process's work for the slow clients.
const probeInChild = async (port) => JSON.parse(await run(process.execPath, [__filename, '--probe', String(port), '--seconds', String(seconds)]));

// How many slow connections are open, sampled every 100 ms while `work` runs.
async function sampled(slow, work) {
  const samples = [];
  const timer = setInterval(() => samples.push(slow.open()), 100);
  const result = await work();
  clearInterval(timer);
  samples.sort((a, b) => a - b);
  return { ...result, slowOpen: { min: samples[0], p50: percentile(samples, 50) } };
}

// Keeps `count` connections open that never finish their headers; replaces each one the server
// closes, and records how long it lived.
function slowClients(port, count) {
  const lifetimes = [];
  const open = new Set();
  let stopped = false;
  let failedConnects = 0;
  let refusedAtOnce = 0;
  const startOne = () => {
    if (stopped) return;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: slowAddress });
    const opened = Date.now();
    let timer = null;
    socket.on('connect', () => {
      open.add(socket);
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      timer = setInterval(() => socket.write('a'), intervalMs);
    });
    socket.on('data', () => {});  // a server that answered would be a finding: the lifetime shows it
    socket.on('error', () => { if (!open.has(socket)) ++failedConnects; });
    socket.on('close', () => {
      clearInterval(timer);
      if (open.delete(socket)) {
        const lived = (Date.now() - opened) / 1000;
        // Closed within a moment of connecting: refused at accept (a connection cap), not timed out.
        if (lived < 0.5) ++refusedAtOnce; else lifetimes.push(lived);
      }
      // A refused client tries again a little later, as a persistent attacker would.
      if (!stopped) setTimeout(startOne, (Date.now() - opened) / 1000 < 0.5 ? 200 : 10);
    });
  };
  for (let i = 0; i < count; ++i) startOne();
  return {
    open: () => open.size,
    stop: () => { stopped = true; for (const s of open) s.destroy(); },
    lifetimes: () => [...lifetimes].sort((a, b) => a - b),
    failedConnects: () => failedConnects,
    refusedAtOnce: () => refusedAtOnce,
  };
}

async function main() {
  if (!fs.existsSync(executable)) throw new Error(`no executable at ${executable}: make build, or --executable PATH`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-slowloris-'));
  fs.chmodSync(dir, 0o755);  // the embedded PostgreSQL runs as the postgres user
  const port = await freePort();
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TCJ_')) env[k] = v;
  Object.assign(env, {
    TCJ_DATABASE_DATA_DIR: path.join(dir, 'pg'),
    TCJ_SECRETS_KEYRING_FILE: path.join(dir, 'keyring.json'),
    TCJ_SERVER_LISTEN: `127.0.0.1:${port}`,
    TCJ_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TCJ_SERVER_METRICS_LISTEN: '127.0.0.1:0',
    TCJ_SERVER_HEADER_TIMEOUT_SECONDS: String(headerTimeout),
    TCJ_LOG_LEVEL: 'warn',  // an access log line per request would measure the log, not the server
  });
  const migrate = spawnSync(executable, ['migrate'], { env, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const command = fdLimit > 0 ? ['prlimit', `--nofile=${fdLimit}:${fdLimit}`, executable, 'serve'] : [executable, 'serve'];
  const serve = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(serve);
  for (let i = 0; ; ++i) {
    if (await fresh(port, '/readyz').then(() => true, () => false)) break;
    if (i > 600) throw new Error('serve did not become ready');
    await sleep(100);
  }

  const baseline = { wrk: await wrk(port), freshConnections: await probeInChild(port) };

  const slow = slowClients(port, connections);
  for (let i = 0; i < 100 && slow.open() + slow.refusedAtOnce() < connections; ++i) await sleep(50);
  const underAttack = {
    wrk: await sampled(slow, () => wrk(port)),
    freshConnections: await sampled(slow, () => probeInChild(port)),
  };
  // Let at least the first generation of slow connections reach the header timeout.
  const deadline = Date.now() + (3 * headerTimeout + 10) * 1000;
  const admitted = slow.open();  // the rest were refused at accept
  while (slow.lifetimes().length < admitted && Date.now() < deadline) await sleep(250);
  slow.stop();
  const lifetimes = slow.lifetimes();

  serve.kill('SIGTERM');
  await new Promise((r) => serve.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(JSON.stringify({
    connections, intervalMs, seconds, headerTimeoutSeconds: headerTimeout, fdLimit: fdLimit || 'inherited',
    cores: os.cpus().length,
    baseline,
    whileSlowConnectionsOpen: underAttack,
    slowConnections: {
      closedByServer: lifetimes.length,
      lifetimeSeconds: { min: lifetimes[0], p50: percentile(lifetimes, 50), max: lifetimes[lifetimes.length - 1] },
      failedConnects: slow.failedConnects(),
      refusedAtOnce: slow.refusedAtOnce(),
      fromAddress: slowAddress,
    },
  }));
}

const probeAt = args.indexOf('--probe');
(probeAt >= 0 ? probe(Number(args[probeAt + 1])).then((r) => console.log(JSON.stringify(r))) : main()).catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
