'use strict';
// Absolute-form requests ("POST http://host:port/path HTTP/1.1") forwarded to
// the origin with their body streamed, the answer streamed back.
const http = require('node:http');
const { pipeline } = require('node:stream');

// Dropped on the way up: the proxy's own credentials and the connection-level
// headers of the client<->proxy hop (Node manages those of each hop itself).
const DROP_REQUEST = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection']);

function filterRaw(rawHeaders, drop) {
  const extra = new Set(drop);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === 'connection' || name === 'proxy-connection') {
      // Headers named in Connection are hop-by-hop as well (RFC 9110 §7.6.1),
      // except the ones Node needs to frame the body.
      for (const tok of rawHeaders[i + 1].split(',')) {
        const t = tok.trim().toLowerCase();
        if (t && t !== 'close' && t !== 'keep-alive' && t !== 'content-length' && t !== 'transfer-encoding') extra.add(t);
      }
    }
  }
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!extra.has(rawHeaders[i].toLowerCase())) out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

// "http://user@host:port/p?q" -> { host, port, target, path } or null.
function parseAbsolute(url) {
  const m = /^http:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (!m) return null;
  let u;
  try { u = new URL(`http://${m[1]}/`); } catch { return null; }
  if (!u.hostname) return null;
  const port = u.port ? Number(u.port) : 80;
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  let path = m[2] || '/';
  if (!path.startsWith('/')) path = `/${path}`; // "http://h?x" -> "/?x"
  return { host, port, target: `${u.hostname}:${port}`, path };
}

function plain(res, status, body, headers = {}) {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function handleForward(state, debug, req, res) {
  const t = parseAbsolute(req.url);
  if (!t) {
    req.resume();
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(req.url)) plain(res, 501, 'Only http:// targets are forwarded; use CONNECT for others\n');
    else plain(res, 400, 'Bad request target\n');
    return;
  }
  state.seeTarget(t.target);
  state.forwarded++;
  const client = req.socket;
  if (!state.forwardClients.has(client)) {
    state.forwardClients.add(client);
    client.once('close', () => state.forwardClients.delete(client));
  }

  const headers = filterRaw(req.rawHeaders, DROP_REQUEST);
  if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')) headers.push('Host', t.target);
  debug(`proxy: forward ${req.method} ${t.target}${t.path}`);
  const up = http.request({ host: t.host, port: t.port, method: req.method, path: t.path, headers, agent: false });
  state.forwardUpstreams.add(up);
  up.once('close', () => state.forwardUpstreams.delete(up));

  up.on('response', (upRes) => {
    res.writeHead(upRes.statusCode, upRes.statusMessage, filterRaw(upRes.rawHeaders, DROP_RESPONSE));
    pipeline(upRes, res, (err) => {
      if (err) { debug(`proxy: forward response ${t.target}: ${err.message}`); res.destroy(); up.destroy(); }
    });
  });
  up.on('error', (err) => {
    debug(`proxy: forward ${t.target}: ${err.message}`);
    if (!res.headersSent) {
      state.failed++;
      req.resume();
      plain(res, 502, `Cannot forward to ${t.target}: ${err.message}\n`, { Connection: 'close' });
    } else {
      res.destroy();
    }
  });
  // The client went away (or close-all destroyed its socket): drop the upstream.
  res.once('close', () => { if (!res.writableFinished) up.destroy(); });
  req.on('error', () => up.destroy());
  req.pipe(up);
}

module.exports = { handleForward, parseAbsolute, filterRaw };
