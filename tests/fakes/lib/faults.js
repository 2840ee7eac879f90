'use strict';
// Fault injection shared by both fakes. A fault matches method + path prefix and
// is consumed per use. "Pre" faults answer instead of the real handler (canned
// status, redirect, hang, reset, huge body); "post" faults let the real handler
// run and then damage its answer (truncate, corrupt UTF-8, wrong JSON types,
// dribble, cut the connection). delayMs combines with either.
const { HttpError } = require('./http-error');

const PRE_KEYS = ['status', 'redirectTo', 'hang', 'reset', 'hugeBytes'];
const POST_KEYS = ['dribbleMs', 'truncate', 'cutAfterBytes', 'wrongTypes', 'invalidUtf8'];
const KNOWN_KEYS = new Set(['method', 'path', 'queryContains', 'times', 'after', 'headers', 'body', 'delayMs',
  'hugeChunked', 'dribbleBytes', ...PRE_KEYS, ...POST_KEYS]);

class FaultTable {
  constructor() {
    this.faults = [];
    this.nextId = 1;
    this.hung = new Set(); // sockets of "hang" requests, destroyed on clear/shutdown
  }

  add(spec) {
    if (!spec || typeof spec !== 'object') throw new HttpError(400, { error: 'fault must be a JSON object' });
    const unknown = Object.keys(spec).filter((k) => !KNOWN_KEYS.has(k));
    if (unknown.length) throw new HttpError(400, { error: `unknown fault keys: ${unknown.join(', ')}` });
    if (typeof spec.path !== 'string' || !spec.path.startsWith('/')) {
      throw new HttpError(400, { error: 'fault.path must be a path prefix starting with /' });
    }
    if (spec.path.startsWith('/_control')) throw new HttpError(400, { error: 'the control API cannot be faulted' });
    const times = spec.times === undefined ? 1 : Number(spec.times);
    if (!Number.isInteger(times) || times === 0 || times < -1) {
      throw new HttpError(400, { error: 'fault.times must be a positive integer or -1 (unlimited)' });
    }
    const fault = {
      id: this.nextId++,
      ...spec,
      method: spec.method ? String(spec.method).toUpperCase() : '*',
      times,
      after: Number(spec.after || 0),
      used: 0,
      seen: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  list() {
    return this.faults.map((f) => ({ ...f }));
  }

  clear() {
    this.faults = [];
    for (const socket of this.hung) socket.destroy();
    this.hung.clear();
  }

  // First matching fault wins; returns null when none applies. `after` lets the
  // first N matching requests through untouched (e.g. "fail the third page").
  take(method, path, rawQuery) {
    if (this.faults.length === 0) return null;
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f.method !== '*' && f.method !== method) continue;
      if (!path.startsWith(f.path)) continue;
      if (f.queryContains && !(rawQuery || '').includes(f.queryContains)) continue;
      f.seen += 1;
      if (f.seen <= f.after) continue;
      f.used += 1;
      if (f.times !== -1 && f.used >= f.times) this.faults.splice(i, 1);
      return f;
    }
    return null;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function hasPost(fault) {
  return POST_KEYS.some((k) => fault[k] !== undefined && fault[k] !== false);
}

// Runs the part of a fault that happens before normal handling. Returns true when
// the fault fully answered (or deliberately never will).
async function applyPre(fault, req, res, table) {
  if (fault.delayMs) await sleep(Number(fault.delayMs));
  if (fault.hang) {
    table.hung.add(req.socket);
    req.socket.once('close', () => table.hung.delete(req.socket));
    return true;
  }
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.redirectTo) {
    const status = fault.status || 302;
    res.writeHead(status, { Location: fault.redirectTo, 'Content-Length': 0, ...(fault.headers || {}) });
    res.end();
    return true;
  }
  if (fault.hugeBytes) {
    await streamHuge(res, Number(fault.hugeBytes), !!fault.hugeChunked, fault.status || 200);
    return true;
  }
  if (fault.status) {
    const { body, contentType } = cannedBody(fault.body);
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(fault.status, { 'Content-Type': contentType, 'Content-Length': buf.length, ...(fault.headers || {}) });
    res.end(buf);
    return true;
  }
  return false;
}

function cannedBody(body) {
  if (body === undefined || body === null) return { body: '', contentType: 'text/plain;charset=UTF-8' };
  if (typeof body === 'string') {
    return { body, contentType: body.trimStart().startsWith('<') ? 'text/html' : 'text/plain;charset=UTF-8' };
  }
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

// A syntactically valid JSON document of exactly `total` bytes, produced in
// 64 KiB chunks with back-pressure so 100 MB never sits in memory.
async function streamHuge(res, total, chunked, status) {
  const head = Buffer.from('{"count":0,"padding":"');
  const tail = Buffer.from('"}');
  const padding = Math.max(0, total - head.length - tail.length);
  const headers = { 'Content-Type': 'application/json' };
  if (!chunked) headers['Content-Length'] = head.length + padding + tail.length;
  res.writeHead(status, headers);
  const block = Buffer.alloc(64 * 1024, 'x');
  if (!res.write(head)) await drained(res);
  let left = padding;
  while (left > 0 && !res.destroyed) {
    const n = Math.min(left, block.length);
    left -= n;
    if (!res.write(n === block.length ? block : block.subarray(0, n))) await drained(res);
  }
  if (!res.destroyed) res.end(tail);
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
    res.on('drain', done);
    res.on('close', done);
  });
}

// Damages the body of a normal answer according to the post faults.
function transformBody(fault, response) {
  let buf = Buffer.isBuffer(response.body) ? response.body : Buffer.from(String(response.body ?? ''), 'utf8');
  if (fault.wrongTypes) {
    try {
      buf = Buffer.from(JSON.stringify(numbersToObjects(JSON.parse(buf.toString('utf8')))), 'utf8');
    } catch { /* not JSON: leave as is */ }
  }
  if (fault.invalidUtf8) buf = injectInvalidUtf8(buf);
  if (fault.truncate !== undefined && fault.truncate !== false) {
    const keep = fault.truncate === true ? Math.floor(buf.length / 2) : Math.min(buf.length, Number(fault.truncate));
    buf = buf.subarray(0, keep);
  }
  return buf;
}

// "Wrong types": every JSON number becomes an object, e.g. "id": 5 -> "id": {"value": 5}.
function numbersToObjects(v) {
  if (typeof v === 'number') return { value: v };
  if (Array.isArray(v)) return v.map(numbersToObjects);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = numbersToObjects(x);
    return out;
  }
  return v;
}

// Puts bytes that are never valid UTF-8 (0xFF, and a lead byte without its
// continuation) inside the first JSON string value, keeping the JSON structure.
function injectInvalidUtf8(buf) {
  const bad = Buffer.from([0xff, 0xc3, 0x28]);
  const at = buf.indexOf(':"');
  if (at < 0) return Buffer.concat([bad, buf]);
  return Buffer.concat([buf.subarray(0, at + 2), bad, buf.subarray(at + 2)]);
}

// Sends a normal answer damaged by post faults (or undamaged when fault is null).
async function sendWithFault(res, response, fault) {
  const buf = transformBody(fault, response);
  const headers = { ...response.headers, 'Content-Length': buf.length };
  if (fault.cutAfterBytes !== undefined) {
    // Promise the full length, deliver part of it, then drop the connection.
    res.writeHead(response.status, headers);
    const part = buf.subarray(0, Math.min(buf.length, Number(fault.cutAfterBytes)));
    res.write(part, () => res.socket && res.socket.destroy());
    return;
  }
  if (fault.dribbleMs) {
    res.writeHead(response.status, headers);
    const step = Math.max(1, Number(fault.dribbleBytes || 1));
    for (let i = 0; i < buf.length && !res.destroyed; i += step) {
      res.write(buf.subarray(i, i + step));
      await sleep(Number(fault.dribbleMs));
    }
    if (!res.destroyed) res.end();
    return;
  }
  res.writeHead(response.status, headers);
  res.end(buf);
}

module.exports = { FaultTable, applyPre, sendWithFault, hasPost, numbersToObjects, injectInvalidUtf8 };
