'use strict';
// CONNECT host:port -> a raw TCP tunnel. Answers on the bare socket, since after
// a CONNECT head Node's http server hands the socket over to us.
const net = require('node:net');

const CONNECT_TIMEOUT_MS = 10_000;
const AUTH_REALM = 'Basic realm="fake-proxy"';

// "host:port" or "[v6]:port" with a port 1..65535 -> { host, port, target } or null.
function parseConnectTarget(raw) {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._~%!$&'()*+,;=-]+)):(\d{1,5})$/.exec(raw || '');
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] !== undefined ? m[1] : m[2];
  return { host, port, target: m[1] !== undefined ? `[${host}]:${port}` : `${host}:${port}` };
}

function rawAnswer(socket, status, reason, headers = {}, body = '') {
  if (socket.destroyed || !socket.writable) { socket.destroy(); return; }
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  const all = { ...headers, 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' };
  for (const [k, v] of Object.entries(all)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // A client that never reads must not keep the socket forever.
  setTimeout(() => socket.destroy(), 2000).unref();
}

function handleConnect(state, debug, req, client, head) {
  client.on('error', (err) => debug(`proxy: CONNECT client error: ${err.message}`));
  if (!state.authorized(req.headers['proxy-authorization'])) {
    state.refused407++;
    debug(`proxy: 407 for CONNECT ${req.url}`);
    rawAnswer(client, 407, 'Proxy Authentication Required', { 'Proxy-Authenticate': AUTH_REALM }, 'Proxy Authentication Required\n');
    return;
  }
  const t = parseConnectTarget(req.url);
  if (!t) {
    debug(`proxy: 400 for CONNECT ${JSON.stringify(req.url)}`);
    rawAnswer(client, 400, 'Bad Request', {}, 'CONNECT target must be host:port with a port 1..65535\n');
    return;
  }
  state.seeTarget(t.target);

  const upstream = net.connect({ host: t.host, port: t.port });
  let established = false;
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
  const failEarly = (err) => {
    clearTimeout(timer);
    if (established) return;
    established = true; // only once
    state.failed++;
    debug(`proxy: 502 for CONNECT ${t.target}: ${err && err.message}`);
    rawAnswer(client, 502, 'Bad Gateway', {}, `Cannot connect to ${t.target}\n`);
  };
  upstream.once('error', failEarly);
  client.once('close', () => { if (!established) { clearTimeout(timer); upstream.destroy(); } });

  upstream.once('connect', () => {
    clearTimeout(timer);
    if (established || client.destroyed) { upstream.destroy(); return; }
    established = true;
    upstream.removeListener('error', failEarly);
    const tunnel = state.openTunnel(t.target);
    tunnel.client = client;
    tunnel.upstream = upstream;
    debug(`proxy: tunnel #${tunnel.id} to ${t.target}`);
    client.setNoDelay(true);
    upstream.setNoDelay(true);

    let closedSides = 0;
    const onError = (err) => {
      debug(`proxy: tunnel #${tunnel.id} error: ${err.message}`);
      client.destroy();
      upstream.destroy();
    };
    const onClose = (other) => (hadError) => {
      // An abrupt close tears down the pair; a clean one is passed on as a FIN
      // (pipe already does that) so half-closed exchanges still finish.
      if (hadError) other.destroy(); else other.end();
      if (++closedSides === 2) state.closeTunnel(tunnel);
    };
    client.on('error', onError);
    upstream.on('error', onError);
    client.once('close', onClose(upstream));
    upstream.once('close', onClose(client));
    client.on('data', (c) => { tunnel.bytesUp += c.length; });
    upstream.on('data', (c) => { tunnel.bytesDown += c.length; });

    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head && head.length) { tunnel.bytesUp += head.length; upstream.write(head); }
    client.pipe(upstream);
    upstream.pipe(client);
  });
}

module.exports = { handleConnect, parseConnectTarget, rawAnswer, AUTH_REALM };
