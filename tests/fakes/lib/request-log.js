'use strict';
// In-memory request log for assertions ("zero outbound fetches", "retried after
// 2 s", "why was this 401"). Bounded ring buffer plus per-path counters; pushing
// an entry is O(1) and does no I/O, so it is safe on the benchmark hot path.
// Secrets never enter it: tokens are reduced to a short hash, jwt= query values
// are replaced by their hash, and request bodies are recorded by size only.
const crypto = require('node:crypto');

function shortHash(secret) {
  return crypto.createHash('sha256').update(String(secret)).digest('hex').slice(0, 12);
}

const REDACTED_PARAMS = /(^|&)(jwt|token|access_token|client_secret|password)=([^&]*)/gi;

function redactQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery.replace(REDACTED_PARAMS, (_m, sep, name, value) => `${sep}${name}=sha256:${shortHash(value)}`);
}

class RequestLog {
  constructor(limit = 20000) {
    this.limit = limit;
    this.clear();
  }

  clear() {
    this.entries = new Array(this.limit);
    this.next = 0; // total entries ever started (also the sequence number source)
    this.counts = new Map(); // "METHOD path" -> count
  }

  start(method, path, rawQuery) {
    const entry = {
      seq: this.next + 1,
      time: new Date().toISOString(),
      method,
      path,
      query: redactQuery(rawQuery),
      status: null,
      auth: null,
      requestBytes: 0,
      durationMs: null,
      fault: null,
      t0: process.hrtime.bigint(),
    };
    this.entries[this.next % this.limit] = entry;
    this.next += 1;
    const key = `${method} ${path}`;
    this.counts.set(key, (this.counts.get(key) || 0) + 1);
    return entry;
  }

  finish(entry, status) {
    entry.status = status;
    entry.durationMs = Number(process.hrtime.bigint() - entry.t0) / 1e6;
  }

  // Oldest first. Filters: path prefix, method, seq greater than `since`.
  query({ path, method, since = 0, limit = 1000 } = {}) {
    const out = [];
    const first = Math.max(0, this.next - this.limit);
    for (let i = first; i < this.next; i++) {
      const e = this.entries[i % this.limit];
      if (!e || e.seq <= since) continue;
      if (path && !e.path.startsWith(path)) continue;
      if (method && e.method !== method) continue;
      out.push(publicEntry(e));
    }
    const dropped = first;
    return { total: this.next, dropped, entries: out.slice(Math.max(0, out.length - limit)) };
  }

  countsByPath(prefix) {
    const byPath = {};
    for (const [key, n] of this.counts) {
      const path = key.slice(key.indexOf(' ') + 1);
      if (prefix && !path.startsWith(prefix)) continue;
      byPath[key] = n;
    }
    return byPath;
  }
}

function publicEntry(e) {
  const { t0, ...rest } = e;
  return rest;
}

module.exports = { RequestLog, shortHash, redactQuery };
