'use strict';
// The request pipeline both fakes share: request log -> fault lookup -> router
// -> (damaged) answer. Handlers are async functions (ctx) => response object.
const http = require('node:http');
const { send } = require('./respond');
const { HttpError } = require('./http-error');
const { applyPre, sendWithFault, hasPost } = require('./faults');

const CONTROL_PREFIX = '/_control/';

function createServer({ router, faults, log, notFound, onError }) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // Last resort: never leave a request without an answer because of a bug.
      if (onError) onError(err);
      if (!res.headersSent && !res.destroyed) send(res, { status: 500, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: String(err && err.message) }) });
    });
  });
  // Pollers reuse connections for a long time; keep idle sockets open longer
  // than a 30 s poll interval so keep-alive is really exercised.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // "hang" faults and slow uploads must not be cut by Node

  async function handle(req, res) {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
    const isControl = path.startsWith(CONTROL_PREFIX) || path === '/_control';
    const entry = isControl ? null : log.start(req.method, path, rawQuery);
    if (entry) {
      entry.requestBytes = Number(req.headers['content-length'] || 0);
      res.on('finish', () => log.finish(entry, res.statusCode));
      res.on('close', () => { if (entry.status === null) log.finish(entry, 0); });
    }

    let fault = null;
    if (!isControl) {
      fault = faults.take(req.method, path, rawQuery);
      if (fault) {
        entry.fault = fault.id;
        if (await applyPre(fault, req, res, faults)) return;
      }
    }

    const ctx = { req, res, path, rawQuery, query: new URLSearchParams(rawQuery), entry, params: null };
    let response;
    try {
      const m = router.match(req.method, path);
      if (!m) response = notFound(ctx);
      else if (m.methodNotAllowed) response = { status: 405, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: `Method ${req.method} not allowed on ${path}` }) };
      else {
        ctx.params = m.params;
        response = await m.handler(ctx);
      }
    } catch (err) {
      response = errorResponse(err, onError);
    }
    if (response === null) return; // handler answered (streaming) or chose not to
    if (fault && hasPost(fault)) await sendWithFault(res, response, fault);
    else send(res, response);
  }

  return server;
}

function errorResponse(err, onError) {
  if (err instanceof HttpError) {
    const isText = typeof err.body === 'string';
    return {
      status: err.status,
      headers: { 'Content-Type': isText ? 'text/plain;charset=UTF-8' : 'application/json', ...err.headers },
      body: isText ? err.body : JSON.stringify(err.body),
    };
  }
  if (onError) onError(err);
  return { status: 500, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: String(err && err.message) }) };
}

module.exports = { createServer, CONTROL_PREFIX };
