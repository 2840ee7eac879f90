'use strict';
// Test helpers: start fakes in-process on an ephemeral loopback port, and a raw
// HTTP client that exposes repeated headers and raw bytes.
const http = require('node:http');
const path = require('node:path');
const fs = require('node:fs');
const { listenLocal, closeLocal } = require('../lib/startup');
const { createAtlassianFake } = require('../atlassian/app');
const { createTeamCityFake } = require('../teamcity/app');

async function startAtlassian() {
  const app = createAtlassianFake();
  const origin = await listenLocal(app);
  return { app, origin, close: () => closeLocal(app) };
}

async function startTeamCity() {
  const app = createTeamCityFake();
  const origin = await listenLocal(app);
  return { app, origin, close: () => closeLocal(app) };
}

// Minimal request returning status, raw header pairs, body bytes.
function raw(url, { method = 'GET', headers = {}, body = null, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== null) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    req.end();
  });
}

async function control(origin, method, p, body) {
  const res = await fetch(`${origin}${p}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

function fixture(rel) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', rel), 'utf8'));
}

module.exports = { startAtlassian, startTeamCity, raw, control, fixture };
