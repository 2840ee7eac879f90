'use strict';
// Small seeded PRNG so that the same seed always yields the same history.
// (A 32-bit xorshift-multiply generator: fast, good enough for test data.)

function createRng(seed) {
  let s = (Number(seed) >>> 0) || 0x9e3779b9;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    hex: (n) => {
      let out = '';
      while (out.length < n) out += Math.floor(next() * 4294967296).toString(16).padStart(8, '0');
      return out.slice(0, n);
    },
  };
}

module.exports = { createRng };
