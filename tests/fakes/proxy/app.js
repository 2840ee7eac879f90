'use strict';
// The fake forward proxy ("corporate proxy"): CONNECT tunnels, absolute-form
// http:// forwarding, optional Basic proxy auth, and a /_control/ API for tests.
const http = require('node:http');
const { ProxyState } = require('./state');
const { handleConnect, AUTH_REALM } = require('./tunnel');
const { handleForward } = require('./forward');

const CONTROL_PREFIX = '/_control/';
const MAX_CONTROL_BODY = 64 * 1024;

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_CONTROL_BODY) { reject(Object.assign(new Error('body too large'), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) { resolve({}); return; }
      try { resolve(JSON.parse(text)); } catch (err) { reject(Object.assign(new Error(`Malformed JSON body: ${err.message}`), { status: 400 })); }
    });
    req.on('error', reject);
  });
}

function authView(state) {
  return { enabled: state.auth !== null, username: state.auth ? state.auth.username : null };
}

async function control(state, req, res, path) {
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /_control/stats':
      return sendJson(res, 200, state.stats());
    case 'GET /_control/tunnels':
      return sendJson(res, 200, { tunnels: state.tunnelList() });
    case 'POST /_control/close-all':
      req.resume();
      return sendJson(res, 200, { closed: state.closeAll() });
    case 'POST /_control/reset':
      req.resume();
      state.reset();
      return sendJson(res, 200, state.stats());
    case 'GET /_control/auth':
      return sendJson(res, 200, authView(state));
    case 'POST /_control/auth': {
      const body = await readJson(req);
      const b = body === null ? {} : body;
      if (typeof b !== 'object' || Array.isArray(b)) return sendJson(res, 400, { error: 'body must be an object {"username", "password"}' });
      const { username = null, password = null } = b;
      if (username !== null && typeof username !== 'string') return sendJson(res, 400, { error: 'username must be a string or null' });
      if (password !== null && typeof password !== 'string') return sendJson(res, 400, { error: 'password must be a string or null' });
      state.auth = username === null ? null : { username, password: password === null ? '' : password };
      return sendJson(res, 200, authView(state));
    }
    default:
      req.resume();
      return sendJson(res, 404, { error: `No route for ${route}` });
  }
}

function createProxyFake({ debug = () => {} } = {}) {
  const state = new ProxyState();
  const app = { origin: null };

  const server = http.createServer((req, res) => {
    const url = req.url || '';
    if (url.startsWith('/')) {
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (!path.startsWith(CONTROL_PREFIX)) {
        req.resume();
        sendJson(res, 404, { error: `Not a proxy request and no control route: ${req.method} ${path}` });
        return;
      }
      control(state, req, res, path).catch((err) => {
        debug(`proxy: control error: ${err && err.stack}`);
        if (!res.headersSent && !res.destroyed) sendJson(res, err.status || 500, { error: String(err && err.message) });
      });
      return;
    }
    if (!state.authorized(req.headers['proxy-authorization'])) {
      state.refused407++;
      debug(`proxy: 407 for ${req.method} ${url}`);
      req.resume();
      const body = 'Proxy Authentication Required\n';
      res.writeHead(407, { 'Proxy-Authenticate': AUTH_REALM, 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    try {
      handleForward(state, debug, req, res);
    } catch (err) {
      debug(`proxy: forward error: ${err && err.stack}`);
      if (!res.headersSent) { res.writeHead(502, { 'Content-Type': 'text/plain', Connection: 'close' }); res.end('Bad Gateway\n'); } else res.destroy();
    }
  });
  server.on('connect', (req, socket, head) => {
    try {
      handleConnect(state, debug, req, socket, head);
    } catch (err) {
      debug(`proxy: CONNECT error: ${err && err.stack}`);
      socket.destroy();
    }
  });
  // Garbage request lines, oversized heads, resets before a request: answer 400
  // when still possible, never crash.
  server.on('clientError', (err, socket) => {
    debug(`proxy: client error: ${err.code || err.message}`);
    if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // long uploads through the proxy must not be cut

  return {
    server, state,
    setOrigin(origin) { app.origin = origin; },
    get origin() { return app.origin; },
    // Tunnels are detached from the http server, so closeAllConnections() would
    // not end them; destroy them here.
    shutdown() { state.closeAll(); },
  };
}

module.exports = { createProxyFake };
