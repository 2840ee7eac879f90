'use strict';
// App system and user tokens (x-forge-oauth-system / x-forge-oauth-user). To the
// service they are opaque JWTs of which only `exp` may be read (§2.4); to the
// fake's gateway they are keys into this table, which binds each token to one
// installation, cloudId, account and expiry. Their signature uses a secret
// that never leaves the process, so a forged token is simply "unknown".
const crypto = require('node:crypto');
const { signJwt } = require('./forge-jose');

const MAX_TTL_SECONDS = 4 * 3600;

class ForgeTokens {
  constructor() {
    this.secret = crypto.randomBytes(32);
    this.reset();
  }

  reset() {
    this.tokens = new Map(); // token -> {kind, installationUuid, cloudId, accountId, expiresAt (ms)}
    this.minted = 0;
  }

  // kind: "system" | "user". ttlSeconds is capped at 4 h like the platform's.
  mint(inst, kind, accountId, ttlSeconds) {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + Math.min(ttlSeconds, MAX_TTL_SECONDS);
    const claims = { iss: 'forge/app-token', sub: accountId, aud: 'api.atlassian.com', iat: now, exp, jti: crypto.randomUUID(), tokenType: kind };
    const token = signJwt({ alg: 'HS256', typ: 'JWT' }, claims, { hmacSecret: this.secret });
    this.tokens.set(token, { kind, installationUuid: inst.uuid, cloudId: inst.cloudId, accountId, expiresAt: exp * 1000 });
    this.minted += 1;
    return { token, exp, expiresAt: new Date(exp * 1000).toISOString() };
  }

  lookup(token) {
    return this.tokens.get(token) || null;
  }

  // "Expire now": every token of the installation fails from this moment on.
  expireInstallation(inst) {
    let n = 0;
    const now = Date.now();
    for (const t of this.tokens.values()) {
      if (t.installationUuid === inst.uuid && t.expiresAt > now) { t.expiresAt = now; n++; }
    }
    return n;
  }

  countFor(inst) {
    let live = 0;
    let total = 0;
    const now = Date.now();
    for (const t of this.tokens.values()) {
      if (t.installationUuid !== inst.uuid) continue;
      total++;
      if (t.expiresAt > now) live++;
    }
    return { total, live };
  }
}

module.exports = { ForgeTokens, MAX_TTL_SECONDS };
