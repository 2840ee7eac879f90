'use strict';
// Forge signing keys and the JWKS that publishes them. Two purposes, as on the
// real platform: invocation tokens (kid forge/invocation-token/<uuid>, the FIT)
// and context tokens (kid forge/context-token/<uuid>, the preUninstall
// contextToken). Rotation adds a new current invocation key and keeps the old
// ones published; retiring a kid removes it from the JWKS (tokens signed with it
// then carry a kid the service cannot resolve). A "rogue" key is never published:
// it signs the unknown-kid and wrong-key FIT variants. Keys are made on first
// use: RSA generation costs ~0.2 s each and most tests never touch Forge.
const crypto = require('node:crypto');

const PREFIX = { invocation: 'forge/invocation-token/', context: 'forge/context-token/' };

function makeKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) };
}

class ForgeKeys {
  constructor() {
    this.map = null; // kid -> {purpose, publicKey, privateKey, publicPem, published}
    this.current = { invocation: null, context: null };
    this.rogueKey = null;
    this.resetCounts();
  }

  get keys() {
    if (!this.map) {
      this.map = new Map();
      this.add('invocation');
      this.add('context');
    }
    return this.map;
  }

  get rogue() {
    if (!this.rogueKey) this.rogueKey = makeKey();
    return this.rogueKey;
  }

  // A new current key for the purpose; older keys stay published.
  rotate(purpose = 'invocation') {
    if (!PREFIX[purpose]) throw new Error(`unknown key purpose ${purpose}`);
    if (!this.map) this.keys; // the getter creates the first keys
    return this.add(purpose);
  }

  add(purpose) {
    const kid = `${PREFIX[purpose]}${crypto.randomUUID()}`;
    this.map.set(kid, { purpose, published: true, ...makeKey() });
    this.current[purpose] = kid;
    return kid;
  }

  // Unpublishes a key; the current key of a purpose cannot be retired.
  retire(kid) {
    const key = this.keys.get(kid);
    if (!key) return 'unknown kid';
    if (this.current[key.purpose] === kid) return 'cannot retire the current key (rotate first)';
    key.published = false;
    return null;
  }

  signer(purpose = 'invocation') {
    const key = this.keys.get(this.current[purpose]);
    return { kid: this.current[purpose], ...key };
  }

  jwks() {
    const keys = [];
    for (const [kid, k] of this.keys) {
      if (!k.published) continue;
      const { kty, n, e } = k.publicKey.export({ format: 'jwk' });
      keys.push({ kty, n, e, kid, alg: 'RS256', use: 'sig' });
    }
    return { keys };
  }

  // Counted per request, with timestamps, so tests can prove a caching policy
  // such as "at most one JWKS fetch a minute".
  countFetch() {
    this.fetches.total += 1;
    this.fetches.times.push(new Date().toISOString());
    if (this.fetches.times.length > 1000) this.fetches.times.shift();
  }

  resetCounts() {
    this.fetches = { total: 0, times: [] };
  }

  summary() {
    const all = [...this.keys].map(([kid, k]) => ({ kid, purpose: k.purpose, published: k.published, current: this.current[k.purpose] === kid }));
    return { currentKid: this.current.invocation, contextKid: this.current.context, keys: all };
  }
}

module.exports = { ForgeKeys };
