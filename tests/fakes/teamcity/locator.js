'use strict';
// TeamCity locator syntax: "dim:value,dim:(nested,value)", a bare single value,
// "$base64:<base64url>" escaping (also inside parentheses), "$any" and "$help".
// The parser keeps each value's raw text so a locator can be re-serialised
// (nextHref) without re-escaping.
const { HttpError } = require('../lib/http-error');

class LocatorError extends Error {}

function tcError(status, message) {
  return new HttpError(status, { errors: [{ message }] });
}

// Returns { single: string|null, dims: Map<name, [{value, raw, b64}]>, order: [names] }.
// b64 marks values that were $base64-escaped: they are literal, never re-parsed.
function parseLocator(text) {
  if (text === undefined || text === null || text === '') throw new LocatorError('Invalid locator. Cannot be empty.');
  if (text.length > 2 && text.startsWith('(') && text.endsWith(')') && closesAtEnd(text)) {
    return { single: text.slice(1, -1), dims: new Map(), order: [] };
  }
  if (text.startsWith('$base64:')) {
    const decoded = tryBase64(text);
    if (decoded !== null) return { single: decoded, dims: new Map(), order: [] };
  }
  if (!text.includes(':') && !(text.includes('(') && text.includes(')'))) {
    return { single: text, dims: new Map(), order: [] };
  }
  const dims = new Map();
  const order = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (j < text.length && text[j] !== ',' && text[j] !== '(' && text[j] !== ':') j++;
    if (j === i) throw new LocatorError(`Bad locator syntax: Could not find dimension name, found '${text[j]}' instead. Details: locator: '${text}', at position ${i}`);
    const name = text.slice(i, j);
    if (!/^[\p{L}\p{N}]+$/u.test(name) && name !== '$help' && name !== '$any') {
      throw new LocatorError(`Bad locator syntax: Invalid dimension name :'${name}'. Should contain only alpha-numeric symbols. Details: locator: '${text}', at position ${i}`);
    }
    let raw = '';
    let value = '';
    let b64 = false;
    if (j >= text.length || text[j] === ',') {
      i = j + 1;
    } else {
      const start = text[j] === ':' ? j + 1 : j;
      if (text[start] === '(') {
        const end = matchParen(text, start);
        if (end < 0) throw new LocatorError(`Bad locator syntax: Could not find matching ')'. Details: locator: '${text}', at position ${start + 1}`);
        raw = text.slice(start, end + 1);
        value = text.slice(start + 1, end);
        i = end + 1;
        if (i < text.length) {
          if (text[i] !== ',') throw new LocatorError(`Bad locator syntax: No dimensions delimiter ',' after complex value. Details: locator: '${text}', at position ${i}`);
          i += 1;
        }
      } else {
        const end = findComma(text, start);
        if (end < 0) throw new LocatorError(`Bad locator syntax: Could not find matching ')'. Details: locator: '${text}', at position ${start}`);
        raw = text.slice(start, end);
        value = raw;
        i = end + 1;
      }
      if (value.startsWith('$base64:')) {
        const decoded = tryBase64(value);
        if (decoded === null) throw new LocatorError(`Invalid Base64url character sequence: '${value.slice(8)}'`);
        value = decoded;
        b64 = true;
      }
    }
    if (!dims.has(name)) { dims.set(name, []); order.push(name); }
    dims.get(name).push({ value, raw, b64 });
  }
  return { single: null, dims, order };
}

function closesAtEnd(text) {
  return matchParen(text, 0) === text.length - 1;
}

// Index of the ")" matching the "(" at `open`, or -1.
function matchParen(text, open) {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === '(') depth++;
    else if (text[k] === ')') { depth--; if (depth === 0) return k; }
  }
  return -1;
}

// Next "," at nesting depth 0 (or end of text); -1 when parentheses are unbalanced.
function findComma(text, from) {
  let depth = 0;
  for (let k = from; k < text.length; k++) {
    const c = text[k];
    if (c === '(') depth++;
    else if (c === ')') { if (depth > 0) depth--; } else if (c === ',' && depth === 0) return k;
  }
  return depth === 0 ? text.length : -1;
}

function tryBase64(text) {
  const payload = text.slice('$base64:'.length);
  if (!/^[A-Za-z0-9_\-+/]*=*$/.test(payload)) return null;
  return Buffer.from(payload.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

// Checks dimension names against the supported list, TeamCity style.
function checkDimensions(loc, supported, text) {
  if (loc.single === '$help' || loc.dims.has('$help')) {
    throw tcError(400, `Locator help requested: Supported dimensions are: [${supported.join(', ')}]`);
  }
  const unknown = loc.order.filter((d) => !supported.includes(d));
  if (unknown.length === 0) return;
  const head = unknown.length === 1 ? `Locator dimension [${unknown[0]}] is unknown.` : `Locator dimensions [${unknown.join(', ')}] are unknown.`;
  throw tcError(400, `Invalid locator '${text}': ${head} Supported dimensions are: [${supported.join(', ')}]`);
}

// Parses and checks in one step, turning syntax errors into TeamCity-style 400s.
function parseChecked(text, supported) {
  let loc;
  try {
    loc = parseLocator(text);
  } catch (err) {
    if (err instanceof LocatorError) throw tcError(400, err.message);
    throw err;
  }
  if (!loc.single) checkDimensions(loc, supported, text);
  else if (loc.single === '$help') checkDimensions(loc, supported, text);
  return loc;
}

function first(loc, name) {
  const v = loc.dims.get(name);
  return v ? v[0].value : undefined;
}

// true | false | null (any); throws 400 on other values.
function boolDim(loc, name) {
  const v = first(loc, name);
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (['true', 'on', 'yes', 'in'].includes(s)) return true;
  if (['false', 'off', 'no', 'out'].includes(s)) return false;
  if (['any', 'all', '$any'].includes(s)) return null;
  throw tcError(400, `Invalid value of dimension '${name}': Invalid boolean value '${v}'. Should be 'true', 'false' or 'any'.`);
}

function intDim(loc, name) {
  const v = first(loc, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw tcError(400, `Invalid value of dimension '${name}': '${v}'. Should be a number.`);
  return Number(v);
}

// Serialises back: dims in order, raw text preserved, with overrides applied.
// Overridden dims (count/start/lookupLimit) go first, as TeamCity tends to emit them.
function serialize(loc, overrides = {}) {
  const parts = [];
  for (const [k, v] of Object.entries(overrides)) parts.push(`${k}:${v}`);
  for (const name of loc.order) {
    if (name in overrides) continue;
    for (const { raw } of loc.dims.get(name)) parts.push(raw === '' ? name : `${name}:${raw}`);
  }
  return parts.join(',');
}

// Query-parameter encoding used in hrefs: like encodeURIComponent but keeping
// the locator punctuation readable (":", ",", "(", ")", "$", "/"), as TeamCity does.
function encodeLocatorParam(text) {
  return encodeURIComponent(text).replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%28/g, '(')
    .replace(/%29/g, ')').replace(/%24/g, '$').replace(/%2F/g, '/');
}

module.exports = { parseLocator, parseChecked, LocatorError, tcError, first, boolDim, intDim, serialize, encodeLocatorParam, checkDimensions };
