'use strict';
// href / nextHref / prevHref as TeamCity builds them (PagerDataImpl): relative
// to the server root *without* the context path (here /tc/{name}), echoing the
// auth prefix and the original query, with start/count (and a raised
// lookupLimit when it was hit) written into the locator parameter.
const { serialize, encodeLocatorParam, parseLocator } = require('./locator');

function replaceLocator(rawQuery, locatorText) {
  const parts = rawQuery ? rawQuery.split('&').filter((p) => !p.startsWith('locator=')) : [];
  parts.unshift(`locator=${encodeLocatorParam(locatorText)}`);
  return parts.join('&');
}

function nextLookupLimit(current) {
  const step = Math.min(current, 5000); // doubles, at most +5000 per page
  return current + Math.max(1, step);
}

// page: { start, count, lookupLimit, limitReached, size }
function pageLinks(path, rawQuery, locatorText, page) {
  const href = rawQuery ? `${path}?${rawQuery}` : path;
  const out = { href, nextHref: null, prevHref: null };
  if (page.count === null || page.count === undefined) return out;
  const loc = locatorText ? parseLocator(locatorText) : { single: null, dims: new Map(), order: [] };
  const link = (overrides) => `${path}?${replaceLocator(rawQuery, serialize(loc, overrides))}`;
  const { start, count, size } = page;
  if (size >= count) out.nextHref = link({ count, start: start + count });
  if (start > 0) out.prevHref = start - count < 0 ? link({ count: start, start: 0 }) : link({ count, start: start - count });
  if (page.limitReached) {
    const lookupLimit = nextLookupLimit(page.lookupLimit);
    out.nextHref = size === 0 ? link({ lookupLimit }) : link({ count, start: start + size, lookupLimit });
  }
  return out;
}

module.exports = { pageLinks };
