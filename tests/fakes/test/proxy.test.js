'use strict';
// The forward-proxy fake ("corporate proxy"): CONNECT tunnels, absolute-form
// forwarding, Basic proxy auth, the control API and hostile input.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { listenLocal, closeLocal } = require('../lib/startup');
const { createProxyFake } = require('../proxy/app');
const { control } = require('./helpers');

let proxy;
let proxyOrigin;
let proxyPort;
let origin; // a small HTTP origin server
let originTarget;
let echo; // a raw TCP echo server
let echoTarget;
const originSockets = new Set();
const echoSockets = new Set();

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${server.address().port}`)));
const closeServer = (server, sockets) => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
const basic = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const once = (emitter, ev) => new Promise((resolve) => emitter.once(ev, resolve));

test.before(async () => {
  proxy = createProxyFake();
  proxyOrigin = await listenLocal(proxy);
  proxyPort = Number(new URL(proxyOrigin).port);

  // The origin echoes method, url, headers and body; it streams its answer in pieces.
  origin = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.url.startsWith('/created') ? 201 : 200, { 'Content-Type': 'application/json', 'X-Origin': 'yes' });
      res.write(body.slice(0, 10));
      setTimeout(() => res.end(body.slice(10)), 20);
    });
  });
  origin.on('connection', (s) => { originSockets.add(s); s.on('close', () => originSockets.delete(s)); });
  originTarget = await listen(origin);

  echo = net.createServer((s) => {
    echoSockets.add(s);
    s.on('close', () => echoSockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => {
      if (d.toString() === 'RESET\n') s.resetAndDestroy();
      else s.write(d);
    });
  });
  echoTarget = await listen(echo);
});

test.after(async () => {
  await closeLocal(proxy);
  await closeServer(origin, originSockets);
  await closeServer(echo, echoSockets);
});

test.beforeEach(async () => {
  await control(proxyOrigin, 'POST', '/_control/auth', {});
  await control(proxyOrigin, 'POST', '/_control/reset');
});

// Raw bytes to the proxy; resolves with everything it sent until it closed the
// connection (or until `until` matches the text received so far).
function rawExchange(bytes, { until = null, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`timeout; got ${JSON.stringify(out)}`)); }, timeoutMs);
    const done = () => { clearTimeout(timer); s.destroy(); resolve(out); };
    s.on('data', (d) => { out += d.toString('latin1'); if (until && until.test(out)) done(); });
    s.on('close', done);
    s.on('error', () => {});
    s.write(bytes);
  });
}

// Opens a tunnel with Node's CONNECT support -> { res, socket, head }.
function connectTunnel(target, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target, headers, agent: false });
    // Node emits 'connect' for any answer to a CONNECT, not only for 200.
    req.on('connect', (res, socket, head) => {
      if (res.statusCode === 200) { resolve({ res, socket, head }); return; }
      socket.on('error', () => {});
      socket.destroy();
      resolve({ res, socket: null });
    });
    req.on('error', reject);
    req.end();
  });
}

// An absolute-form request through the proxy; the body is sent in `parts` with pauses.
function viaProxy(url, { method = 'GET', headers = {}, parts = [] } = {}) {
  return new Promise((resolve, reject) => {
    // Like curl: Host names the target, not the proxy.
    const hostHeader = /^http:\/\//.test(url) ? { Host: new URL(url).host } : {};
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method, path: url, headers: { ...hostHeader, ...headers }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    (async () => {
      for (const p of parts) {
        req.write(p);
        await new Promise((r) => setTimeout(r, 10));
      }
      req.end();
    })();
  });
}

// One HTTP request over an established tunnel socket.
function httpOver(socket, { method = 'GET', path: p = '/', body = null, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => socket, method, path: p, headers: { Host: originTarget, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const stats = async () => (await control(proxyOrigin, 'GET', '/_control/stats')).json;

test('a CONNECT tunnel carries a full HTTP exchange', async () => {
  const { res, socket } = await connectTunnel(originTarget);
  assert.equal(res.statusCode, 200);
  assert.equal(res.statusMessage, 'Connection Established');
  const r = await httpOver(socket, { method: 'POST', path: '/created?x=1', body: 'through the tunnel', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-origin'], 'yes');
  assert.deepEqual([r.json.method, r.json.url, r.json.body], ['POST', '/created?x=1', 'through the tunnel']);
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const [t] = (await control(proxyOrigin, 'GET', '/_control/tunnels')).json.tunnels.slice(-1);
  assert.equal(t.target, originTarget);
  assert.equal(t.open, false);
  assert.ok(t.bytesUp > 50 && t.bytesDown > 100, JSON.stringify(t));
});

test('bytes sent right behind the CONNECT head reach the target', async () => {
  const out = await rawExchange(`CONNECT ${echoTarget} HTTP/1.1\r\nHost: ${echoTarget}\r\n\r\nearly bytes`, { until: /early bytes$/ });
  assert.equal(out, 'HTTP/1.1 200 Connection Established\r\n\r\nearly bytes');
});

test('absolute-form POST: method, path, headers and streamed body forwarded; answer streamed back', async () => {
  const r = await viaProxy(`http://${originTarget}/created/path?q=a%20b`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'X-Custom': 'kept', 'Proxy-Connection': 'keep-alive', 'Proxy-Authorization': basic('x', 'y'), 'Transfer-Encoding': 'chunked' },
    parts: ['part one, ', 'part two, ', 'part three'],
  });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-origin'], 'yes');
  assert.equal(r.headers['content-type'], 'application/json');
  const seen = JSON.parse(r.body);
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/created/path?q=a%20b');
  assert.equal(seen.body, 'part one, part two, part three');
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['content-type'], 'text/plain');
  assert.equal(seen.headers.host, originTarget);
  assert.equal(seen.headers['proxy-connection'], undefined);
  assert.equal(seen.headers['proxy-authorization'], undefined);
  const s = await stats();
  assert.equal(s.forwarded, 1);
  assert.equal(s.tunnels, 0);
});

test('absolute-form with a fixed Content-Length body and a GET', async () => {
  const body = 'x'.repeat(100_000);
  const r = await viaProxy(`http://${originTarget}/big`, { method: 'PUT', headers: { 'Content-Length': String(body.length) }, parts: [body] });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).body.length, 100_000);
  const g = await viaProxy(`http://${originTarget}`);
  assert.equal(JSON.parse(g.body).url, '/');
  assert.equal((await stats()).forwarded, 2);
});

test('absolute-form to an unreachable origin gives 502', async () => {
  const closed = net.createServer();
  const target = await listen(closed);
  await new Promise((r) => closed.close(r));
  const r = await viaProxy(`http://${target}/x`);
  assert.equal(r.status, 502);
  assert.equal((await stats()).failed, 1);
});

test('proxy auth: 407 without or with wrong credentials, success with the right header, off again with {}', async () => {
  const on = await control(proxyOrigin, 'POST', '/_control/auth', { username: 'u', password: 'p' });
  assert.deepEqual(on.json, { enabled: true, username: 'u' });

  const noAuth = await viaProxy(`http://${originTarget}/a`);
  assert.equal(noAuth.status, 407);
  assert.equal(noAuth.headers['proxy-authenticate'], 'Basic realm="fake-proxy"');
  const wrong = await viaProxy(`http://${originTarget}/a`, { headers: { 'Proxy-Authorization': basic('u', 'wrong') } });
  assert.equal(wrong.status, 407);
  const ok = await viaProxy(`http://${originTarget}/a`, { headers: { 'Proxy-Authorization': basic('u', 'p') } });
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).headers['proxy-authorization'], undefined);

  const refused = await connectTunnel(originTarget);
  assert.equal(refused.res.statusCode, 407);
  assert.equal(refused.res.headers['proxy-authenticate'], 'Basic realm="fake-proxy"');
  const tunnel = await connectTunnel(originTarget, { 'Proxy-Authorization': basic('u', 'p') });
  assert.equal(tunnel.res.statusCode, 200);
  assert.equal((await httpOver(tunnel.socket, { path: '/t' })).json.url, '/t');
  tunnel.socket.destroy();

  const s = await stats();
  assert.equal(s.refused407, 3);
  assert.equal(s.forwarded, 1);
  assert.equal(s.tunnels, 1);

  // Control requests never need proxy credentials; {} and null fields turn auth off.
  assert.deepEqual((await control(proxyOrigin, 'POST', '/_control/auth', { username: null, password: null })).json, { enabled: false, username: null });
  assert.equal((await viaProxy(`http://${originTarget}/a`)).status, 200);
  await control(proxyOrigin, 'POST', '/_control/auth', { username: 'u', password: 'p' });
  assert.equal((await viaProxy(`http://${originTarget}/a`)).status, 407);
  await control(proxyOrigin, 'POST', '/_control/auth', {});
  assert.equal((await viaProxy(`http://${originTarget}/a`)).status, 200);
  assert.equal((await control(proxyOrigin, 'POST', '/_control/auth', { username: 5 })).status, 400);
});

test('stats count tunnels and forwards with distinct targets in first-seen order; reset zeroes them', async () => {
  const a = await connectTunnel(echoTarget);
  await viaProxy(`http://${originTarget}/x`);
  const b = await connectTunnel(echoTarget);
  let s = await stats();
  assert.deepEqual(s, { tunnels: 2, openTunnels: 2, forwarded: 1, refused407: 0, failed: 0, targets: [echoTarget, originTarget] });
  a.socket.destroy();
  b.socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal((await stats()).openTunnels, 0);
  await control(proxyOrigin, 'POST', '/_control/auth', { username: 'u', password: 'p' });
  const reset = await control(proxyOrigin, 'POST', '/_control/reset');
  assert.deepEqual(reset.json, { tunnels: 0, openTunnels: 0, forwarded: 0, refused407: 0, failed: 0, targets: [] });
  assert.equal((await viaProxy(`http://${originTarget}/x`)).status, 407, 'reset keeps the auth setting');
  s = await stats();
  assert.equal(s.refused407, 1);
  assert.deepEqual(s.targets, []);
});

test('close-all ends open tunnels and forwarded connections', async () => {
  const { socket } = await connectTunnel(echoTarget);
  socket.write('ping');
  assert.equal((await once(socket, 'data')).toString(), 'ping');
  // A keep-alive client connection that carried an absolute-form request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: proxyPort, path: `http://${originTarget}/ka`, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  const [kept] = Object.values(agent.freeSockets).flat();
  assert.ok(kept, 'the keep-alive connection is idle in the agent');
  const keptClosed = once(kept, 'close');

  const tunnelClosed = once(socket, 'close');
  const r = await control(proxyOrigin, 'POST', '/_control/close-all');
  assert.deepEqual(r.json, { closed: 2 });
  await tunnelClosed;
  await keptClosed;
  agent.destroy();
  assert.equal((await stats()).openTunnels, 0);
  assert.deepEqual((await control(proxyOrigin, 'POST', '/_control/close-all')).json, { closed: 0 });
});

test('CONNECT to a closed port gives 502', async () => {
  const closed = net.createServer();
  const target = await listen(closed);
  await new Promise((r) => closed.close(r));
  const { res, socket } = await connectTunnel(target);
  assert.equal(res.statusCode, 502);
  assert.equal(socket, null);
  const s = await stats();
  assert.equal(s.failed, 1);
  assert.equal(s.tunnels, 0);
  assert.deepEqual(s.targets, [target]);
});

test('malformed CONNECT targets give 400', async () => {
  for (const target of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:99999', '127.0.0.1:http', ':80', '[::1]']) {
    const out = await rawExchange(`CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(out, /^HTTP\/1\.1 400 /, `${target}: ${out}`);
  }
  assert.deepEqual((await stats()).targets, []);
});

test('hostile input: garbage, clients leaving mid-tunnel, targets that reset; the proxy keeps working', async () => {
  assert.match(await rawExchange('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawExchange('\x00\x01\x02 nonsense \xff\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(await rawExchange('GET / HTTP/1.1\r\nBad Header\r\n\r\n'), /^HTTP\/1\.1 400 /);
  // Client disconnects in the middle of a tunnel and right after sending CONNECT.
  const a = await connectTunnel(echoTarget);
  a.socket.write('half a message');
  a.socket.destroy();
  const s1 = net.connect(proxyPort, '127.0.0.1', () => { s1.write(`CONNECT ${echoTarget} HTTP/1.1\r\n\r\n`); s1.destroy(); });
  s1.on('error', () => {});
  // The target resets the connection mid-tunnel: the client side is torn down too.
  const b = await connectTunnel(echoTarget);
  b.socket.on('error', () => {});
  const closed = once(b.socket, 'close');
  b.socket.write('RESET\n');
  await closed;
  // Forwarded request whose client vanishes before the origin answers.
  const half = net.connect(proxyPort, '127.0.0.1', () => half.end(`POST http://${originTarget}/x HTTP/1.1\r\nHost: ${originTarget}\r\nContent-Length: 100\r\n\r\nonly a bit`));
  half.on('error', () => {});
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((await stats()).openTunnels, 0);
  assert.equal(proxy.state.forwardUpstreams.size, 0, 'the upstream request of the vanished client was dropped');
  // Origin-form requests other than the control API, and a non-http absolute form.
  const nf = await control(proxyOrigin, 'GET', '/some/path');
  assert.equal(nf.status, 404);
  assert.ok(nf.json.error);
  assert.equal((await control(proxyOrigin, 'GET', '/_control/nope')).status, 404);
  assert.equal((await viaProxy('https://127.0.0.1:1/x')).status, 501);
  // Still alive.
  const ok = await viaProxy(`http://${originTarget}/alive`);
  assert.equal(ok.status, 200);
});

test('main.js follows the startup protocol and exits even with a tunnel open', async () => {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'proxy', 'main.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  while (!out.includes('\n')) await once(child.stdout, 'data');
  const line = out.slice(0, out.indexOf('\n'));
  const { listening } = JSON.parse(line);
  assert.equal(listening.host, '127.0.0.1');
  const s = await new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port: listening.port, method: 'CONNECT', path: echoTarget, agent: false })
      .on('connect', (res, socket) => resolve(socket)).on('error', reject).end();
  });
  s.on('error', () => {});
  const sClosed = once(s, 'close');
  child.stdin.end();
  assert.equal(await exited, 0);
  await sClosed;
  assert.equal(out, `${line}\n`, 'nothing but the announcement on stdout');

  const c2 = spawn(process.execPath, [path.join(__dirname, '..', 'proxy', 'main.js'), '--ignore-stdin', '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out2 = '';
  c2.stdout.on('data', (d) => { out2 += d; });
  while (!out2.includes('\n')) await once(c2.stdout, 'data');
  c2.stdin.end();
  const port2 = JSON.parse(out2).listening.port;
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await fetch(`http://127.0.0.1:${port2}/_control/stats`)).status, 200);
  const exit2 = new Promise((resolve) => c2.once('exit', (code) => resolve(code)));
  c2.kill('SIGTERM');
  assert.equal(await exit2, 0);
});
