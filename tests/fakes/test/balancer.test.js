'use strict';
// The load balancer fake: round robin, what it retries (refused connects; resets
// before any answer byte of idempotent requests) and what it must not (a reset
// POST, an answer cut short, a timeout), health checks, pooled connections, the
// control listener and the startup protocol.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { listenLocal, closeLocal } = require('../lib/startup');
const { createBalancerFake } = require('../balancer/app');
const { control, raw } = require('./helpers');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// An upstream whose behaviour is chosen by path: /reset resets the connection on
// the request, /partial sends part of a head and resets, /cut announces 100 bytes
// and sends 10, /hang never answers, /readyz answers `ready`'s status; anything
// else echoes what arrived. It counts requests and TCP connections.
async function startUpstream(name) {
  const u = { name, requests: 0, connections: 0, ready: 200, sockets: new Set() };
  u.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/readyz') {
        res.writeHead(u.ready, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ready: u.ready === 200 }));
        return;
      }
      u.requests++;
      if (req.url === '/reset') { req.socket.resetAndDestroy(); return; }
      if (req.url === '/partial') { req.socket.write('HTTP/1.1 200 OK\r\nContent-Le'); setTimeout(() => req.socket.resetAndDestroy(), 20); return; }
      if (req.url === '/cut') { res.writeHead(200, { 'Content-Length': 100 }); res.write('x'.repeat(10)); setTimeout(() => req.socket.destroy(), 20); return; }
      if (req.url === '/hang') return;
      const body = JSON.stringify({ upstream: name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.url.startsWith('/created') ? 201 : 200, { 'Content-Type': 'application/json', 'X-Upstream': name });
      res.end(body);
    });
  });
  u.server.on('connection', (s) => { u.connections++; u.sockets.add(s); s.on('close', () => u.sockets.delete(s)); });
  await new Promise((resolve) => u.server.listen(0, '127.0.0.1', resolve));
  u.address = `127.0.0.1:${u.server.address().port}`;
  u.close = () => new Promise((resolve) => { for (const s of u.sockets) s.destroy(); u.server.close(() => resolve()); });
  return u;
}

// A loopback port nobody listens on.
async function closedPort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return `127.0.0.1:${port}`;
}

let a;
let b;
let balancer;
let origin;

test.before(async () => {
  a = await startUpstream('a');
  b = await startUpstream('b');
  balancer = createBalancerFake();
  origin = await listenLocal(balancer);
});

test.after(async () => {
  await closeLocal(balancer);
  await a.close();
  await b.close();
});

test.beforeEach(async () => {
  await ctl('POST', '/_control/settings', { keepAlive: true, timeoutMs: 60000, downAfterRefusalMs: 1000, healthPath: null, healthIntervalMs: 500, healthRise: 1, healthFall: 1 });
  await ctl('POST', '/_control/upstreams', { upstreams: [a.address, b.address] });
  await ctl('POST', '/_control/reset');
  a.ready = 200;
  b.ready = 200;
});

function ctl(method, p, body) { return control(balancer.controlOrigin, method, p, body); }
const stats = async () => (await ctl('GET', '/_control/stats')).json;
const upstreamStats = async (u) => (await stats()).upstreams.find((x) => x.address === u.address);
const via = (p, opts = {}) => raw(`${origin}${p}`, opts);
const echoed = (r) => JSON.parse(r.body.toString('utf8'));

test('requests go to the upstreams in turn with method, path, body and headers; X-Forwarded-For is appended', async () => {
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const r = await via(`/created/x?i=${i}`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-Forwarded-For': '203.0.113.7', 'X-Custom': 'kept', Connection: 'keep-alive, X-Custom-Hop', 'X-Custom-Hop': 'dropped' }, body: `body ${i}` });
    assert.equal(r.status, 201);
    const e = echoed(r);
    seen.push(e.upstream);
    assert.equal(r.headers['x-upstream'], e.upstream);
    assert.equal(e.method, 'POST');
    assert.equal(e.url, `/created/x?i=${i}`);
    assert.equal(e.body, `body ${i}`);
    assert.equal(e.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(e.headers['x-custom'], 'kept');
    assert.equal(e.headers['x-custom-hop'], undefined, 'headers named in Connection are hop-by-hop');
    assert.equal(e.headers['content-length'], String(`body ${i}`.length));
    assert.equal(e.headers.host, new URL(origin).host, 'Host is passed on as the client sent it');
  }
  assert.deepEqual(seen, ['a', 'b', 'a', 'b']);
  const g = echoed(await via('/plain'));
  assert.equal(g.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(g.headers['content-length'], undefined, 'a GET without a body gets no Content-Length');
  const s = await stats();
  assert.equal(s.requests, 5);
  assert.equal(s.answered, 5);
  assert.equal(s.retries, 0);
  assert.equal(s.failures, 0);
  assert.deepEqual(s.byStatus, { 200: 1, 201: 4 });
});

test('the balancing listener forwards every path, /_control/ included: control has a listener of its own', async () => {
  const r = await via('/_control/stats');
  assert.equal(r.status, 200);
  assert.equal(echoed(r).url, '/_control/stats');
  assert.notEqual(new URL(balancer.controlOrigin).port, new URL(origin).port);
  assert.equal((await ctl('GET', '/_control/nope')).status, 404);
  assert.equal((await ctl('DELETE', '/_control/stats')).status, 405);
});

test('a refused connect is retried on the next upstream, for a POST too, and keeps that upstream out for a while', async () => {
  const dead = await closedPort();
  await ctl('POST', '/_control/upstreams', { upstreams: [dead, a.address] });
  await ctl('POST', '/_control/settings', { downAfterRefusalMs: 60000 });
  const r = await via('/created/one', { method: 'POST', body: 'x' });
  assert.equal(r.status, 201);
  assert.equal(echoed(r).upstream, 'a');
  for (let i = 0; i < 3; i++) assert.equal((await via('/again')).status, 200);
  let s = await stats();
  assert.equal(s.retries, 1);
  assert.equal(s.failures, 0);
  const d = s.upstreams.find((x) => x.address === dead);
  assert.equal(d.refused, 1, 'left out after its refusal');
  assert.equal(d.available, false);
  assert.ok(d.downForMs > 0);
  assert.match(d.lastError, /refused: ECONNREFUSED/);
  assert.equal(s.recentRetries.length, 1);
  assert.deepEqual([s.recentRetries[0].method, s.recentRetries[0].path, s.recentRetries[0].upstream], ['POST', '/created/one', dead]);
  assert.equal(s.recentRetries[0].pooledConnection, false);

  // With a short window it is tried again once the window is over.
  const dead2 = await closedPort();
  await ctl('POST', '/_control/settings', { downAfterRefusalMs: 50 });
  await ctl('POST', '/_control/upstreams', { upstreams: [dead2, a.address] });
  assert.equal((await via('/x')).status, 200);
  await sleep(100);
  assert.equal((await via('/x')).status, 200);
  s = await stats();
  assert.equal(s.upstreams.find((x) => x.address === dead2).refused, 2);
  assert.equal(s.failures, 0);
});

test('every upstream refusing: 502 after trying each once', async () => {
  await ctl('POST', '/_control/upstreams', { upstreams: [await closedPort(), await closedPort()] });
  const r = await via('/x');
  assert.equal(r.status, 502);
  assert.match(r.body.toString(), /^Bad Gateway: refused/);
  const s = await stats();
  assert.equal(s.retries, 1);
  assert.equal(s.failures, 1);
  assert.deepEqual(s.byStatus, { 502: 1 });
  assert.equal(s.recentFailures.length, 1);
  assert.equal(s.recentFailures[0].path, '/x');
  assert.equal(s.recentFailures[0].tried.length, 2);
  // Both are marked out now; the next request still tries them rather than refusing outright.
  assert.equal((await via('/y')).status, 502);
  assert.equal((await stats()).upstreams.reduce((n, u) => n + u.refused, 0), 4);
});

test('no upstreams: 502', async () => {
  await ctl('POST', '/_control/upstreams', { upstreams: [] });
  const r = await via('/x');
  assert.equal(r.status, 502);
  assert.match(r.body.toString(), /no upstream/);
});

test('a reset before any answer byte is retried for idempotent methods only', async () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    await ctl('POST', '/_control/reset');
    const before = a.requests + b.requests;
    const r = await via('/reset', { method, body: method === 'PUT' ? 'x' : null });
    // Both upstreams reset it: tried on each once, then 502.
    assert.equal(r.status, 502, method);
    assert.equal(a.requests + b.requests - before, 2, method);
    const s = await stats();
    assert.equal(s.retries, 1, method);
    assert.equal(s.upstreams.reduce((n, u) => n + u.resets, 0), 2, method);
  }
  for (const method of ['POST', 'PATCH']) {
    await ctl('POST', '/_control/reset');
    const before = a.requests + b.requests;
    const r = await via('/reset', { method, body: 'x' });
    assert.equal(r.status, 502, method);
    assert.match(r.body.toString(), /reset/);
    assert.equal(a.requests + b.requests - before, 1, `${method} is not sent twice`);
    const s = await stats();
    assert.equal(s.retries, 0, method);
    assert.equal(s.failures, 1, method);
  }
});

test('a reset after part of the answer arrived is not retried, not even for a GET', async () => {
  const before = a.requests + b.requests;
  const r = await via('/partial');
  assert.equal(r.status, 502);
  assert.equal(a.requests + b.requests - before, 1);
  const s = await stats();
  assert.equal(s.retries, 0);
  assert.equal(s.failures, 1);
  assert.equal(s.upstreams.reduce((n, u) => n + u.errors, 0), 1);
});

test('an answer cut short after its head reaches the client cut short, counted as a failure', async () => {
  await assert.rejects(via('/cut'));
  await sleep(50);
  const s = await stats();
  assert.equal(s.failures, 1);
  assert.equal(s.retries, 0);
  assert.match(s.recentFailures[0].error, /cut short/);
});

test('no answer within timeoutMs: 504, not retried', async () => {
  await ctl('POST', '/_control/settings', { timeoutMs: 200 });
  const before = a.requests + b.requests;
  const r = await via('/hang');
  assert.equal(r.status, 504);
  assert.equal(a.requests + b.requests - before, 1);
  const s = await stats();
  assert.equal(s.failures, 1);
  assert.equal(s.retries, 0);
});

test('health checks take an upstream out of rotation while it is not ready and bring it back', async () => {
  b.ready = 503;
  await ctl('POST', '/_control/settings', { healthPath: '/readyz', healthIntervalMs: 20 });
  const out = async () => (await upstreamStats(b)).healthy === false;
  for (let i = 0; i < 100 && !(await out()); i++) await sleep(20);
  assert.equal(await out(), true);
  for (let i = 0; i < 4; i++) assert.equal(echoed(await via('/x')).upstream, 'a');
  b.ready = 200;
  for (let i = 0; i < 100 && (await out()); i++) await sleep(20);
  const seen = new Set();
  for (let i = 0; i < 4; i++) seen.add(echoed(await via('/x')).upstream);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
  const bs = await upstreamStats(b);
  assert.ok(bs.healthChecks > 0 && bs.healthFailures > 0, JSON.stringify(bs));

  // With every upstream out of rotation, requests are still tried on them.
  a.ready = 503;
  b.ready = 503;
  const allOut = async () => (await stats()).upstreams.every((u) => !u.healthy);
  for (let i = 0; i < 100 && !(await allOut()); i++) await sleep(20);
  assert.equal(await allOut(), true);
  assert.equal((await via('/x')).status, 200);
});

test('healthRise and healthFall: that many results in a row change the state', async () => {
  // One check per settings change (the interval is an hour), so each step is exact.
  const checkAgain = async (settings = {}) => {
    const n = (await upstreamStats(b)).healthChecks;
    await ctl('POST', '/_control/settings', settings);
    for (let i = 0; i < 200 && (await upstreamStats(b)).healthChecks === n; i++) await sleep(5);
    return upstreamStats(b);
  };
  b.ready = 503;
  assert.equal((await checkAgain({ healthPath: '/readyz', healthIntervalMs: 3_600_000, healthFall: 2, healthRise: 2 })).healthy, true);
  assert.equal((await checkAgain()).healthy, false);
  b.ready = 200;
  assert.equal((await checkAgain()).healthy, false);
  assert.equal((await checkAgain()).healthy, true);
  b.ready = 503;
  assert.equal((await checkAgain()).healthy, true, 'a failure after a success starts counting again');
  b.ready = 200;
  assert.equal((await checkAgain()).healthy, true);
  b.ready = 503;
  assert.equal((await checkAgain()).healthy, true);
  assert.equal((await checkAgain()).healthy, false);
});

test('pooled upstream connections are reused; keepAlive false opens one per request', async () => {
  await ctl('POST', '/_control/upstreams', { upstreams: [a.address] });
  let before = a.connections;
  for (let i = 0; i < 5; i++) assert.equal((await via('/x')).status, 200);
  assert.equal(a.connections - before, 1);
  await ctl('POST', '/_control/settings', { keepAlive: false });
  before = a.connections;
  for (let i = 0; i < 5; i++) assert.equal((await via('/x')).status, 200);
  assert.equal(a.connections - before, 5);
});

test('control: settings and upstreams are validated as a whole; reset zeroes the counts', async () => {
  const bad = [{ bogus: 1 }, { timeoutMs: 0 }, { keepAlive: 'yes' }, { healthPath: 'readyz' }, [1]];
  for (const body of bad) {
    const r = await ctl('POST', '/_control/settings', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.json.error);
  }
  assert.equal((await ctl('POST', '/_control/settings', { timeoutMs: 5, bogus: 1 })).status, 400);
  assert.equal((await ctl('GET', '/_control/settings')).json.timeoutMs, 60000, 'a refused request changes nothing');
  for (const body of [{}, { upstreams: 'x' }, { upstreams: ['nope'] }, { upstreams: ['127.0.0.1:0'] }]) {
    assert.equal((await ctl('POST', '/_control/upstreams', body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await ctl('POST', '/_control/settings', 'not json')).status, 400);
  const set = await ctl('POST', '/_control/upstreams', { upstreams: ['8080', '[::1]:9'] });
  assert.deepEqual(set.json.upstreams.map((u) => u.address), ['127.0.0.1:8080', '[::1]:9']);
  await ctl('POST', '/_control/upstreams', { upstreams: [a.address] });
  await via('/x');
  assert.equal((await stats()).requests, 1);
  const r = await ctl('POST', '/_control/reset');
  assert.equal(r.json.requests, 0);
  assert.equal(r.json.upstreams[0].sent, 0);
});

test('main.js: startup protocol, --upstream and --control-port, bad arguments exit 2', async () => {
  const main = path.join(__dirname, '..', 'balancer', 'main.js');
  const controlPort = Number((await closedPort()).split(':')[1]);
  const child = spawn(process.execPath, [main, '--upstream', `${a.address},${b.address}`, '--control-port', String(controlPort), '--health-path', '/readyz', '--health-interval-ms', '50'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  while (!out.includes('\n')) await new Promise((resolve) => child.stdout.once('data', resolve));
  const line = out.slice(0, out.indexOf('\n'));
  const msg = JSON.parse(line);
  assert.deepEqual(Object.keys(msg), ['listening', 'controlOrigin']);
  assert.equal(msg.controlOrigin, `http://127.0.0.1:${controlPort}`);
  assert.equal(Number(line.match(/"port":(\d+)/)[1]), msg.listening.port, 'the first "port" is the balancing listener');
  const seen = new Set();
  for (let i = 0; i < 2; i++) seen.add(echoed(await raw(`http://127.0.0.1:${msg.listening.port}/x`)).upstream);
  assert.deepEqual([...seen].sort(), ['a', 'b']);
  const settings = (await control(msg.controlOrigin, 'GET', '/_control/settings')).json;
  assert.equal(settings.healthPath, '/readyz');
  assert.equal(settings.healthIntervalMs, 50);
  child.stdin.end();
  assert.equal(await exited, 0);
  assert.equal(out, `${line}\n`, 'nothing but the announcement on stdout');

  for (const args of [['--upstream', 'nope'], ['--control-port', 'x'], ['--health-path', 'readyz'], ['--bogus']]) {
    const bad = spawn(process.execPath, [main, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const code = await new Promise((resolve) => bad.once('exit', resolve));
    assert.equal(code, 2, args.join(' '));
  }
});
