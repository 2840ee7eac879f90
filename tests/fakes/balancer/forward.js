'use strict';
// One client request through the balancer: the body is read whole (so that it
// can be sent again), then given to the upstreams in turn until one answers.
// Retried, as real L7 load balancers retry (nginx's proxy_next_upstream error,
// HAProxy's retry-on conn-failure empty-response): a connect that failed, for any
// method, since nothing reached the upstream; a connection closed before any
// response byte, for idempotent methods only, since the upstream may have acted
// on it. Everything else (a timeout, an answer cut short, a POST whose connection
// was reset) is the client's failure: a balancer that retried those would hide
// a service that drops requests.
const http = require('node:http');
const { pipeline } = require('node:stream');
const { readBody } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { filterRaw } = require('../proxy/forward');

const MAX_BODY = 64 * 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
// Hop-by-hop headers, and the framing headers the balancer sets itself for the
// buffered body. Expect is answered by the balancer's own server.
const DROP_REQUEST = ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'transfer-encoding', 'content-length', 'expect'];
const DROP_RESPONSE = ['connection', 'keep-alive', 'proxy-connection', 'upgrade'];
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function clientAddress(req) {
  const a = req.socket.remoteAddress || '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

// The request's headers for the upstream: end-to-end ones as they came, the
// client's address appended to X-Forwarded-For, Content-Length for the buffered body.
function upstreamHeaders(req, body) {
  const raw = filterRaw(req.rawHeaders, DROP_REQUEST);
  const out = [];
  const forwarded = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'x-forwarded-for') forwarded.push(raw[i + 1]);
    else out.push(raw[i], raw[i + 1]);
  }
  forwarded.push(clientAddress(req));
  out.push('X-Forwarded-For', forwarded.join(', '));
  const framed = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  if (framed || body.length > 0) out.push('Content-Length', String(body.length));
  return out;
}

function plain(res, status, text) {
  if (res.headersSent || res.destroyed) { res.destroy(); return; }
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

class Forwarder {
  constructor(upstreams, debug = () => {}) {
    this.upstreams = upstreams;
    this.debug = debug;
    this.settings = {
      keepAlive: true, // pooled upstream connections (false: a fresh one per attempt)
      idleTimeoutMs: 30_000, // a pooled connection idle this long is closed (keep it below the service's)
      timeoutMs: 60_000, // no answer head and no byte for this long: 504, not retried
    };
    this.agent = null;
    this.applySettings();
  }

  applySettings() {
    const old = this.agent;
    this.agent = this.settings.keepAlive
      ? new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: this.settings.idleTimeoutMs })
      : false;
    if (old) old.destroy();
  }

  close() {
    if (this.agent) this.agent.destroy();
  }

  count(status) {
    const t = this.upstreams.totals;
    t.answered++;
    t.byStatus[status] = (t.byStatus[status] || 0) + 1;
  }

  async handle(req, res) {
    const t = this.upstreams.totals;
    t.requests++;
    t.inFlight++;
    const client = { gone: false, upstreamRequest: null };
    res.once('close', () => {
      t.inFlight--;
      if (!res.writableFinished) {
        client.gone = true;
        if (client.upstreamRequest) client.upstreamRequest.destroy();
      }
    });
    let body;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (err) {
      if (err instanceof HttpError) { this.count(err.status); plain(res, err.status, err.message); } else res.destroy();
      return;
    }
    const headers = upstreamHeaders(req, body);
    const tried = [];
    let last = null;
    for (;;) {
      if (client.gone) return;
      const u = this.upstreams.pick(new Set(tried));
      if (!u) break;
      if (tried.length > 0) t.retries++;
      tried.push(u);
      u.counts.sent++;
      const r = await this.attempt(u, req, res, body, headers, client);
      if (r.kind === 'answered') return;
      if (client.gone) return;
      last = r;
      u.lastError = `${r.kind}: ${r.error.code || r.error.message}`;
      this.debug(`balancer: ${req.method} ${req.url} on ${u.address}: ${u.lastError}${r.reused ? ' (pooled connection)' : ''}`);
      const retry = () => this.upstreams.recordRetry({ method: req.method, path: req.url, upstream: u.address, error: u.lastError, pooledConnection: r.reused });
      if (r.kind === 'refused') {
        u.counts.refused++;
        this.upstreams.refused(u);
        retry();
        continue;
      }
      if (r.kind === 'reset') {
        u.counts.resets++;
        if (IDEMPOTENT.has(req.method)) { retry(); continue; }
        break;
      }
      u.counts.errors++;
      break;
    }
    t.failures++;
    const why = last ? `${last.kind} (${last.error.code || last.error.message}${last.reused ? ', pooled connection' : ''})` : 'no upstream';
    this.upstreams.recordFailure({ method: req.method, path: req.url, tried: tried.map((u) => u.address), error: why });
    const status = last && last.kind === 'timeout' ? 504 : 502;
    this.count(status);
    plain(res, status, `${status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}: ${why}`);
  }

  // One try on one upstream -> { kind: 'answered' } once the answer has been passed on
  // (or cut short), else { kind: 'refused'|'reset'|'timeout'|'error', error, reused }
  // (reused: the try went on a pooled connection).
  attempt(u, req, res, body, headers, client) {
    return new Promise((resolve) => {
      const up = http.request({ host: u.host, port: u.port, method: req.method, path: req.url, headers, agent: this.agent, setHost: false });
      client.upstreamRequest = up;
      let connected = false;
      let gotBytes = false;
      let timedOut = false;
      let settled = false;
      let socket = null;
      const onData = () => { gotBytes = true; };
      const detach = () => { if (socket) socket.removeListener('data', onData); };
      up.on('socket', (s) => {
        socket = s;
        s.on('data', onData);
        if (s.connecting) s.once('connect', () => { connected = true; });
        else connected = true; // a pooled connection
      });
      up.setTimeout(this.settings.timeoutMs, () => {
        timedOut = true;
        up.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
      });
      up.on('response', (upRes) => {
        settled = true;
        detach();
        u.counts.answered++;
        if (client.gone) { upRes.resume(); resolve({ kind: 'answered' }); return; }
        this.count(upRes.statusCode);
        res.writeHead(upRes.statusCode, upRes.statusMessage, filterRaw(upRes.rawHeaders, DROP_RESPONSE));
        pipeline(upRes, res, (err) => {
          if (err && !client.gone) {
            // The head has gone to the client already: all that is left is to cut it off too.
            this.upstreams.totals.failures++;
            u.counts.errors++;
            this.upstreams.recordFailure({ method: req.method, path: req.url, tried: [u.address], error: `answer cut short (${err.code || err.message})` });
            up.destroy();
          }
          resolve({ kind: 'answered' });
        });
      });
      up.on('error', (error) => {
        if (settled) return;
        settled = true;
        detach();
        let kind = 'error';
        if (timedOut) kind = 'timeout';
        else if (!connected) kind = 'refused';
        else if (!gotBytes && RESET_CODES.has(error.code)) kind = 'reset';
        resolve({ kind, error, reused: up.reusedSocket });
      });
      up.end(body);
    });
  }
}

module.exports = { Forwarder, upstreamHeaders, IDEMPOTENT };
