'use strict';
// Shared setup for the Forge tests: the fake with a site, a tiny HTTP server
// playing the remote (the C++ service), and a FIT verifier written with Node's
// crypto the way the service must verify (RS256 pinned, key from the JWKS).
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startAtlassian, control } = require('./helpers');

// answer(req, n) -> {status, headers, body} | 'hang'; n counts requests from 0.
function tinyRemote(answer = () => ({ status: 204 })) {
  const received = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = text; }
      const entry = { method: req.method, url: req.url, headers: req.headers, body, bytes: Buffer.byteLength(text), at: Date.now() };
      received.push(entry);
      const a = remote.answer(entry, received.length - 1);
      if (a === 'hang') return;
      const payload = a.body === undefined ? '' : typeof a.body === 'string' || Buffer.isBuffer(a.body) ? a.body : JSON.stringify(a.body);
      const headers = { ...(a.body !== undefined && typeof a.body === 'object' && !Buffer.isBuffer(a.body) ? { 'Content-Type': 'application/json' } : {}), ...(a.headers || {}) };
      res.writeHead(a.status, headers);
      res.end(payload);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const remote = {
    server, received, answer,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    remote.base = `http://127.0.0.1:${server.address().port}`;
    resolve(remote);
  }));
}

// A fake with site "acme" (admin "admin-1"), a remote, and a registered app.
async function setupForge({ app = {}, settings = { retryDelayMs: 50 }, answer } = {}) {
  const fake = await startAtlassian();
  const remote = await tinyRemote(answer);
  const site = (await control(fake.origin, 'POST', '/_control/sites', { name: 'acme', admins: ['admin-1'] })).json;
  await control(fake.origin, 'POST', '/_control/forge/settings', settings);
  const registered = (await control(fake.origin, 'POST', '/_control/forge/apps', { remoteBaseUrl: remote.base, ...app })).json;
  return {
    fake, remote, site, app: registered,
    ctl: (method, path, body) => control(fake.origin, method, path, body),
    close: async () => { await fake.close(); await remote.close(); },
  };
}

function decode(token) {
  const [h, c] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(c, 'base64url')) };
}

// Returns the claims, or throws naming the first failed check.
function verifyFit(token, jwks, appId, now = Math.floor(Date.now() / 1000)) {
  const [h, c, s] = token.split('.');
  const { header, claims } = decode(token);
  if (header.alg !== 'RS256') throw new Error(`alg ${header.alg}`);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('unknown kid');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  if (!crypto.verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  if (claims.iss !== 'forge/invocation-token') throw new Error('iss');
  if (![].concat(claims.aud).includes(appId)) throw new Error('aud');
  if (now >= claims.exp + 30) throw new Error('expired');
  if (claims.nbf > now + 30) throw new Error('nbf in the future');
  if (claims.icLabel !== undefined && !/^[a-z0-9_-]{1,50}$/.test(claims.icLabel)) throw new Error('icLabel');
  return claims;
}

async function api(origin, method, path, token, body) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* text */ }
  return { status: res.status, json, text, headers: res.headers };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A Custom UI resources folder in a temp dir, laid out like forge/static:
// <dir>/res/static/admin and <dir>/res/static/issue-panel, plus a file outside
// res/ (<dir>/outside.txt) and a symlink in static/admin that points at it.
// Returns {dir, resourcesDir, remove()}.
function customUiFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-forge-ui-'));
  const res = path.join(dir, 'res');
  const put = (rel, content) => {
    const p = path.join(res, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  };
  const index = (name) => `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${name}</title>\n`
    + '<link rel="stylesheet" href="main.css">\n<script src="main.js" defer></script>\n</head>\n<body><div id="root"></div></body>\n</html>\n';
  put('static/admin/index.html', index('admin'));
  put('static/admin/main.js', 'console.log("admin");\n');
  put('static/admin/chunk.mjs', 'export const x = 1;\n');
  put('static/admin/main.css', 'body { margin: 0; }\n');
  put('static/admin/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  put('static/admin/icon.png', Buffer.from('89504e470d0a1a0a', 'hex'));
  put('static/admin/data.json', '{"a":1}\n');
  put('static/admin/main.js.map', '{"version":3}\n');
  put('static/admin/sub/index.html', '<p>no head here</p>\n');
  put('static/issue-panel/index.html', index('issue panel'));
  put('static/secret.txt', 'beside the resource folders\n');
  fs.writeFileSync(path.join(dir, 'outside.txt'), 'outside the resources folder\n');
  fs.symlinkSync(path.join(dir, 'outside.txt'), path.join(res, 'static/admin/escape.txt'));
  fs.symlinkSync(path.join(res, 'static/admin/main.css'), path.join(res, 'static/admin/alias.css'));
  return { dir, resourcesDir: res, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// A fake with an app whose Custom UI resources are a customUiFolder(), the CDN's origin, and an
// installation on site acme (its installed event not delivered): what the Custom UI tests share.
async function setupCustomUi() {
  const ui = customUiFolder();
  const f = await setupForge({ app: { resourcesDir: ui.resourcesDir } });
  const cdn = (await f.ctl('GET', '/_control/forge')).json.cdnOrigin;
  const inst = (await f.ctl('POST', '/_control/forge/installations', { appId: f.app.appId, site: 'acme', sendEvent: false }))
    .json.installation;
  return { f, ui, cdn, inst, close: async () => { await f.close(); ui.remove(); } };
}

module.exports = { tinyRemote, setupForge, decode, verifyFit, api, sleep, customUiFolder, setupCustomUi };
