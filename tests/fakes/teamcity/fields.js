'use strict';
// The REST "fields" parameter: a,b,c(x,y(z)) plus the special tokens
// $short, $long, * (all fields, nested short), ** (all, nested all), - (none)
// and $locator(...) for filtering a nested collection.
// A spec is { base, items, locator }: base is the form applied to fields not
// named explicitly (null = only named ones), items maps a field name to its
// own spec (null = "named without parentheses" = short form of the child).
const { tcError } = require('./locator');

const SHORT = Object.freeze({ base: 'short', items: null, locator: null });
const LONG = Object.freeze({ base: 'long', items: null, locator: null });
const ALL_DEEP = Object.freeze({ base: 'allDeep', items: null, locator: null });

const cache = new Map();

function parseFields(text) {
  if (text === undefined || text === null) return null; // no parameter: endpoint default
  const hit = cache.get(text);
  if (hit) return hit;
  const spec = parseList(text.replace(/\s+/g, ''), 0, text).spec;
  if (cache.size > 1000) cache.clear();
  cache.set(text, spec);
  return spec;
}

function parseList(s, pos, whole) {
  const spec = { base: null, items: null, locator: null };
  if (s.length === 0) return { spec: SHORT, pos };
  while (pos < s.length && s[pos] !== ')') {
    let j = pos;
    while (j < s.length && s[j] !== ',' && s[j] !== '(' && s[j] !== ')') j++;
    const name = s.slice(pos, j);
    let child = null;
    if (s[j] === '(') {
      if (name === '$locator') {
        const end = matchParen(s, j);
        if (end < 0) throw tcError(400, `Bad fields syntax: unbalanced parentheses in '${whole}'`);
        spec.locator = s.slice(j + 1, end);
        pos = end + 1;
        if (s[pos] === ',') pos++;
        continue;
      }
      const r = parseList(s, j + 1, whole);
      if (s[r.pos] !== ')') throw tcError(400, `Bad fields syntax: unbalanced parentheses in '${whole}'`);
      child = r.spec;
      j = r.pos + 1;
    }
    if (name === '') throw tcError(400, `Bad fields syntax: empty field name in '${whole}'`);
    applyToken(spec, name, child);
    pos = j;
    if (s[pos] === ',') pos++;
  }
  return { spec, pos };
}

function applyToken(spec, name, child) {
  if (name === '$short' || name === '$optional') { spec.base = spec.base || 'short'; return; }
  if (name === '$long') { spec.base = 'long'; return; }
  if (name === '*') { spec.base = 'all'; return; }
  if (name === '**') { spec.base = 'allDeep'; return; }
  if (name === '-') { spec.base = 'none'; return; }
  if (!spec.items) spec.items = new Map();
  spec.items.set(name, child);
}

function matchParen(s, open) {
  let depth = 0;
  for (let k = open; k < s.length; k++) {
    if (s[k] === '(') depth++;
    else if (s[k] === ')') { depth--; if (depth === 0) return k; }
  }
  return -1;
}

module.exports = { parseFields, SHORT, LONG, ALL_DEEP };
