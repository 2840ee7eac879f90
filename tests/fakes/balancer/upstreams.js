'use strict';
// The balancer's upstreams: the list, round-robin choice, what marks one out of
// rotation (a refused connect for a while; failed health checks until they pass
// again) and the counters the tests read.
const http = require('node:http');

const MAX_RECENT = 200; // entries kept in recentFailures and recentRetries

// "127.0.0.1:8080", "[::1]:8080" or "8080" (loopback) -> { host, port, address }.
function parseUpstream(text) {
  const s = String(text).trim();
  let m = /^(\d{1,5})$/.exec(s);
  if (m) return checkedPort('127.0.0.1', m[1], s);
  m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(s);
  if (m) return checkedPort(m[1], m[2], s);
  m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  if (m) return checkedPort(m[1], m[2], s);
  throw new Error(`upstream must be host:port or a port: ${JSON.stringify(text)}`);
}

function checkedPort(host, portText, text) {
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new Error(`upstream port must be 1..65535: ${JSON.stringify(text)}`);
  return { host, port, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

function zeroCounts() {
  // sent: attempts given to this upstream; answered: attempts that got a response head;
  // refused: connects that failed; resets: connections closed before any response byte;
  // errors: anything else (timeouts, a response cut short).
  return { sent: 0, answered: 0, refused: 0, resets: 0, errors: 0, healthChecks: 0, healthFailures: 0 };
}

function remember(list, entry) {
  list.push({ time: new Date().toISOString(), ...entry });
  if (list.length > MAX_RECENT) list.shift();
}

class Upstream {
  constructor({ host, port, address }) {
    this.host = host;
    this.port = port;
    this.address = address;
    this.downUntil = 0; // a refused connect keeps it out of rotation until then (ms epoch)
    this.healthy = true; // as the health check last decided; true until a check says otherwise
    this.streak = 0; // consecutive health results against the current state
    this.checking = false;
    this.lastError = null;
    this.counts = zeroCounts();
  }

  available(now) { return this.healthy && this.downUntil <= now; }

  view(now) {
    return {
      address: this.address,
      available: this.available(now),
      healthy: this.healthy,
      downForMs: Math.max(0, this.downUntil - now),
      lastError: this.lastError,
      ...this.counts,
    };
  }
}

class Upstreams {
  constructor({ debug = () => {} } = {}) {
    this.debug = debug;
    this.list = [];
    this.next = 0;
    this.settings = {
      downAfterRefusalMs: 1000, // how long a refused upstream is left out (0: never)
      healthPath: null, // e.g. "/readyz"; null: no health checks
      healthIntervalMs: 500,
      healthTimeoutMs: 2000,
      healthRise: 1, // consecutive 200s that bring an upstream back
      healthFall: 1, // consecutive failures that take it out
    };
    this.healthTimer = null;
    this.healthGeneration = 0; // a check started under older settings does not count
    this.resetCounts();
  }

  resetCounts() {
    this.totals = { requests: 0, answered: 0, retries: 0, failures: 0, inFlight: 0, byStatus: {} };
    this.recentFailures = [];
    this.recentRetries = [];
    for (const u of this.list) u.counts = zeroCounts();
  }

  // Replaces the list; upstreams that stay keep their state and counts.
  set(addresses) {
    const parsed = addresses.map(parseUpstream);
    const old = new Map(this.list.map((u) => [u.address, u]));
    this.list = parsed.map((p) => old.get(p.address) || new Upstream(p));
    this.next = 0;
  }

  // The next upstream in turn that this request has not tried yet: one in rotation if
  // there is any, otherwise any (like nginx, rather than refusing while every upstream
  // is marked out: the marks may be stale). null when every one has been tried.
  pick(tried) {
    const n = this.list.length;
    const now = Date.now();
    for (const wantAvailable of [true, false]) {
      for (let i = 0; i < n; i++) {
        const index = (this.next + i) % n;
        const u = this.list[index];
        if (tried.has(u) || (wantAvailable && !u.available(now))) continue;
        this.next = (index + 1) % n;
        return u;
      }
    }
    return null;
  }

  refused(u) {
    if (this.settings.downAfterRefusalMs > 0) u.downUntil = Date.now() + this.settings.downAfterRefusalMs;
  }

  recordFailure(entry) { remember(this.recentFailures, entry); }
  recordRetry(entry) { remember(this.recentRetries, entry); }

  stats() {
    const now = Date.now();
    return { ...this.totals, upstreams: this.list.map((u) => u.view(now)), recentFailures: this.recentFailures, recentRetries: this.recentRetries };
  }

  // (Re)starts or stops the health checks after a settings change.
  applyHealthSettings() {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    this.healthGeneration++;
    for (const u of this.list) u.checking = false;
    if (!this.settings.healthPath) {
      for (const u of this.list) { u.healthy = true; u.streak = 0; }
      return;
    }
    this.healthTimer = setInterval(() => this.checkAll(), this.settings.healthIntervalMs);
    this.healthTimer.unref();
    this.checkAll();
  }

  checkAll() {
    for (const u of this.list) {
      if (!u.checking) this.check(u);
    }
  }

  // One GET of the health path on a connection of its own: 200 counts as up,
  // anything else (another status, no connection, no answer in time) as down.
  check(u) {
    u.checking = true;
    const s = this.settings;
    const generation = this.healthGeneration;
    let settled = false;
    const done = (ok, why) => {
      if (settled || generation !== this.healthGeneration) return;
      settled = true;
      u.checking = false;
      u.counts.healthChecks++;
      if (!ok) u.counts.healthFailures++;
      if (ok === u.healthy) { u.streak = 0; return; }
      u.streak++;
      if (u.streak >= (ok ? s.healthRise : s.healthFall)) {
        u.healthy = ok;
        u.streak = 0;
        this.debug(`balancer: ${u.address} is ${ok ? 'back in rotation' : `out of rotation (${why})`}`);
      }
    };
    const req = http.request({ host: u.host, port: u.port, method: 'GET', path: s.healthPath, agent: false, timeout: s.healthTimeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200, `status ${res.statusCode}`));
      res.on('error', (err) => done(false, err.code || err.message));
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', (err) => done(false, err.code || err.message));
    req.end();
  }

  stop() {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
  }
}

module.exports = { Upstreams, parseUpstream };
