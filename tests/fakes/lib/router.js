'use strict';
// Minimal method+path router. Patterns use ":name" for one segment and a final
// "*name" for the rest of the path. Routes are grouped by first segment so a
// lookup only walks the few routes that can match.

function compile(pattern) {
  return pattern.split('/').filter(Boolean).map((seg) => {
    if (seg.startsWith(':')) return { param: seg.slice(1) };
    if (seg.startsWith('*')) return { rest: seg.slice(1) };
    return { lit: seg };
  });
}

function decode(seg) {
  try { return decodeURIComponent(seg); } catch { return seg; }
}

class Router {
  constructor() {
    this.byFirst = new Map();
  }

  add(method, pattern, handler) {
    const segs = compile(pattern);
    const first = segs.length && segs[0].lit !== undefined ? segs[0].lit : '';
    if (!this.byFirst.has(first)) this.byFirst.set(first, []);
    this.byFirst.get(first).push({ method, segs, handler });
    return this;
  }

  match(method, path) {
    const parts = path.split('/').filter(Boolean);
    const candidates = this.byFirst.get(parts[0] || '') || [];
    let pathMatched = false;
    for (const route of candidates) {
      const params = matchSegs(route.segs, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || route.method === '*') return { handler: route.handler, params };
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }
}

function matchSegs(segs, parts) {
  const params = {};
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s.rest !== undefined) {
      params[s.rest] = parts.slice(i).join('/');
      return params;
    }
    if (i >= parts.length) return null;
    if (s.lit !== undefined) {
      if (s.lit !== parts[i]) return null;
    } else {
      params[s.param] = decode(parts[i]);
    }
  }
  return segs.length === parts.length ? params : null;
}

module.exports = { Router };
