'use strict';
// The fake "connect-install-keys" host: RSA key pairs by kid. Keys are made at
// startup (2048 bit) and can be rotated; a second, unpublished key exists for
// the "wrong-key" install variant (valid kid, wrong signer).
const crypto = require('node:crypto');

function makeKeyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  };
}

class InstallKeys {
  constructor() {
    this.keys = new Map(); // kid -> {publicPem, privatePem}
    this.fetches = new Map(); // kid (as requested) -> count
    this.pemStyle = 'lf';
    this.rogue = makeKeyPair(); // never published
    this.rotate();
  }

  rotate() {
    this.currentKid = crypto.randomUUID();
    this.keys.set(this.currentKid, makeKeyPair());
    return this.currentKid;
  }

  current() {
    return { kid: this.currentKid, ...this.keys.get(this.currentKid) };
  }

  // Records every fetch, including unknown kids, so tests can assert on caching.
  fetch(kid) {
    this.fetches.set(kid, (this.fetches.get(kid) || 0) + 1);
    const key = this.keys.get(kid);
    if (!key) return null;
    return formatPem(key.publicPem, this.pemStyle);
  }

  fetchCounts() {
    const byKid = Object.fromEntries(this.fetches);
    let total = 0;
    for (const n of this.fetches.values()) total += n;
    return { total, byKid };
  }

  resetCounts() {
    this.fetches.clear();
  }
}

// "lf" as produced by Node; "crlf" and "no-trailing-newline" exist so the
// service's PEM parser can be tested against the variants seen in the wild.
function formatPem(pem, style) {
  if (style === 'crlf') return pem.replace(/\r?\n/g, '\r\n');
  if (style === 'no-trailing-newline') return pem.replace(/\s+$/, '');
  return pem;
}

module.exports = { InstallKeys, makeKeyPair };
