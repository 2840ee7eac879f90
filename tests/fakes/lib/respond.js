'use strict';
// Handlers return plain response objects instead of writing to the socket, so the
// fault layer can rewrite a finished answer (truncate it, dribble it, corrupt it)
// before anything leaves the process.

function json(status, value, headers = {}) {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

// For answers whose JSON text was produced elsewhere (e.g. a render cache).
function rawJson(status, text, headers = {}) {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: text };
}

function text(status, body, contentType = 'text/plain;charset=UTF-8', headers = {}) {
  return { status, headers: { 'Content-Type': contentType, ...headers }, body };
}

function empty(status, headers = {}) {
  return { status, headers, body: '' };
}

// Writes a response object. Headers given as arrays (e.g. two WWW-Authenticate
// values) are passed through so Node emits one header line per value.
function send(res, response) {
  if (res.headersSent || res.destroyed) return;
  const body = response.body === undefined || response.body === null ? '' : response.body;
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
  const headers = { ...response.headers, 'Content-Length': buf.length };
  res.writeHead(response.status, headers);
  res.end(buf);
}

module.exports = { json, rawJson, text, empty, send };
