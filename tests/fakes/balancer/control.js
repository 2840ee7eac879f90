'use strict';
// The balancer's control API. It has a listener of its own: every path of the
// balancing listener belongs to the upstreams, /_control/ included.
const http = require('node:http');
const { Router } = require('../lib/router');
const { json, send } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');

const MAX_CONTROL_BODY = 64 * 1024;

// name -> check(value) returning an error text or null
const NUMBER = (min, max) => (v) => (Number.isInteger(v) && v >= min && v <= max ? null : `must be a whole number ${min}..${max}`);
const SETTINGS = {
  keepAlive: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
  idleTimeoutMs: NUMBER(1, 3_600_000),
  timeoutMs: NUMBER(1, 3_600_000),
  downAfterRefusalMs: NUMBER(0, 3_600_000),
  healthPath: (v) => (v === null || (typeof v === 'string' && v.startsWith('/')) ? null : 'must be a path starting with / or null'),
  healthIntervalMs: NUMBER(10, 3_600_000),
  healthTimeoutMs: NUMBER(1, 3_600_000),
  healthRise: NUMBER(1, 100),
  healthFall: NUMBER(1, 100),
};
const FORWARDER_KEYS = new Set(['keepAlive', 'idleTimeoutMs', 'timeoutMs']);

function settingsView(upstreams, forwarder) {
  return { ...forwarder.settings, ...upstreams.settings };
}

// Checks every key before changing anything, so a bad request changes nothing.
function applySettings(upstreams, forwarder, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, { error: 'body must be a JSON object of settings' });
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(SETTINGS, key)) throw new HttpError(400, { error: `unknown setting: ${key}` });
    const problem = SETTINGS[key](value);
    if (problem) throw new HttpError(400, { error: `${key} ${problem}` });
  }
  let forwarderChanged = false;
  for (const [key, value] of Object.entries(body)) {
    if (FORWARDER_KEYS.has(key)) { forwarder.settings[key] = value; forwarderChanged = true; } else upstreams.settings[key] = value;
  }
  if (forwarderChanged) forwarder.applySettings();
  upstreams.applyHealthSettings();
}

function setUpstreams(upstreams, body) {
  const list = body && body.upstreams;
  if (!Array.isArray(list)) throw new HttpError(400, { error: 'body must be {"upstreams": ["127.0.0.1:8080", ...]}' });
  try {
    upstreams.set(list);
  } catch (err) {
    throw new HttpError(400, { error: err.message });
  }
  upstreams.applyHealthSettings();
}

function createControlServer(upstreams, forwarder, debug = () => {}) {
  const router = new Router();
  const body = (ctx) => readJson(ctx.req, { limit: MAX_CONTROL_BODY, allowEmpty: true });
  router.add('GET', '/_control/stats', async () => json(200, upstreams.stats()));
  router.add('POST', '/_control/reset', async () => { upstreams.resetCounts(); return json(200, upstreams.stats()); });
  router.add('GET', '/_control/upstreams', async () => json(200, { upstreams: upstreams.stats().upstreams }));
  router.add('POST', '/_control/upstreams', async (ctx) => { setUpstreams(upstreams, await body(ctx)); return json(200, { upstreams: upstreams.stats().upstreams }); });
  router.add('GET', '/_control/settings', async () => json(200, settingsView(upstreams, forwarder)));
  router.add('POST', '/_control/settings', async (ctx) => {
    const b = await body(ctx);
    applySettings(upstreams, forwarder, b === undefined ? {} : b);
    return json(200, settingsView(upstreams, forwarder));
  });

  return http.createServer((req, res) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const ctx = { req, res, path };
    (async () => {
      const m = router.match(req.method, path);
      if (!m) { req.resume(); return json(404, { error: `No control route for ${req.method} ${path}` }); }
      if (m.methodNotAllowed) { req.resume(); return json(405, { error: `Method ${req.method} not allowed on ${path}` }); }
      return m.handler(ctx);
    })().then((response) => send(res, response), (err) => {
      if (err instanceof HttpError) { send(res, json(err.status, typeof err.body === 'string' ? { error: err.body } : err.body)); return; }
      debug(`balancer: control error: ${err && err.stack}`);
      send(res, json(500, { error: String(err && err.message) }));
    });
  });
}

module.exports = { createControlServer, applySettings };
