'use strict';
// Forge keys, JWKS and Forge Invocation Tokens (positive and negative variants).
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { setupForge, decode, verifyFit } = require('./forge-helpers');

let f;
let inst;
const jwks = async () => (await fetch(`${f.fake.origin}/forge/.well-known/jwks.json`)).json();
const mint = async (body) => {
  const r = await f.ctl('POST', '/_control/forge/fit', { installationId: inst.uuid, ...body });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

test.before(async () => {
  f = await setupForge();
  inst = (await f.ctl('POST', '/_control/forge/installations', { appId: f.app.appId, site: 'acme', sendEvent: false })).json.installation;
});
test.after(() => f.close());

test('JWKS: RSA keys with kid/alg/use, counted; rotation keeps the old key; retire unpublishes', async () => {
  await f.ctl('DELETE', '/_control/forge/jwks-fetches');
  const doc = await jwks();
  assert.ok(doc.keys.length >= 1);
  for (const k of doc.keys) {
    assert.deepEqual(Object.keys(k).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(k.e, 'AQAB');
    assert.equal(Buffer.from(k.n, 'base64url').length, 256, 'RSA-2048 modulus');
    assert.match(k.kid, /^forge\/(invocation|context)-token\/[0-9a-f-]{36}$/);
  }
  const before = (await f.ctl('GET', '/_control/forge/keys')).json;
  const rotated = (await f.ctl('POST', '/_control/forge/keys/rotate')).json;
  assert.notEqual(rotated.kid, before.currentKid);
  assert.equal(rotated.currentKid, rotated.kid);
  const kids = (await jwks()).keys.map((k) => k.kid);
  assert.ok(kids.includes(before.currentKid) && kids.includes(rotated.kid), 'old and new published');
  const fresh = await mint({});
  assert.equal(fresh.header.kid, rotated.kid, 'new tokens use the new key');

  assert.equal((await f.ctl('POST', '/_control/forge/keys/retire', { kid: rotated.kid })).status, 409, 'current key cannot be retired');
  assert.equal((await f.ctl('POST', '/_control/forge/keys/retire', { kid: before.currentKid })).status, 200);
  assert.ok(!(await jwks()).keys.some((k) => k.kid === before.currentKid));
  const fetches = (await f.ctl('GET', '/_control/forge/jwks-fetches')).json;
  assert.equal(fetches.total, 3);
  assert.equal(fetches.times.length, 3);
  assert.equal((await f.ctl('GET', '/_control/forge')).json.jwksFetches, 3);
});

test('a minted FIT verifies with the JWKS and carries the §2.3 claims', async () => {
  const { token, claims: shown } = await mint({});
  const claims = verifyFit(token, await jwks(), f.app.appId);
  assert.deepEqual(claims, shown);
  const { header } = decode(token);
  assert.equal(header.alg, 'RS256');
  assert.match(header.kid, /^forge\/invocation-token\//);
  assert.equal(claims.iss, 'forge/invocation-token');
  assert.equal(claims.aud, f.app.appId);
  assert.match(claims.aud, /^ari:cloud:ecosystem::app\/[0-9a-f-]{36}$/);
  assert.equal(claims.exp - claims.iat, 25);
  assert.equal(claims.nbf, claims.iat);
  assert.match(claims.jti, /^[0-9a-f]{40}$/);
  const apiBaseUrl = `${f.fake.origin}/ex/jira/${f.site.cloudId}`;
  assert.deepEqual(claims.app, {
    id: f.app.appId, appVersion: '1.0.0', installationId: inst.id,
    installation: { id: inst.id, contexts: [{ name: 'jira', apiBaseUrl, cloudId: f.site.cloudId }] },
    apiBaseUrl, environment: f.app.environment, module: { type: 'core:endpoint', key: 'remote-lifecycle' },
  });
  assert.match(claims.app.installationId, /^ari:cloud:ecosystem::installation\/[0-9a-f-]{36}$/);
  assert.match(claims.app.environment.id, /^ari:cloud:ecosystem::environment\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
  assert.equal(claims.app.environment.type, 'PRODUCTION');
  assert.equal(claims.context, undefined, 'no context for endpoint invocations');
  assert.equal(claims.principal, undefined);

  const ui = verifyFit((await mint({ kind: 'ui', accountId: 'admin-1' })).token, await jwks(), f.app.appId);
  assert.equal(ui.principal, 'admin-1');
  assert.deepEqual(ui.app.module, { type: 'jira:adminPage', key: 'tc-config' });
  assert.equal(ui.context.cloudId, f.site.cloudId);
  assert.equal(ui.context.moduleKey, 'tc-config');
  assert.equal(ui.context.siteUrl, f.site.baseUrl);
  assert.match(ui.context.localId, /^[0-9a-f-]{36}$/);
  const panel = (await mint({ kind: 'ui', moduleKey: 'tc-issue-panel' })).claims;
  assert.deepEqual(panel.app.module, { type: 'jira:issuePanel', key: 'tc-issue-panel' });
  assert.equal(panel.principal, 'admin-1', 'defaults to the first site admin');
  assert.equal(panel.context.extension.issue, undefined, 'no issue unless one is named');
  const onIssue = (await mint({ kind: 'ui', moduleKey: 'tc-issue-panel', issueKey: 'ABC-12' })).claims;
  assert.equal(onIssue.context.extension.type, 'jira:issuePanel');
  assert.equal(onIssue.context.extension.issue.key, 'ABC-12');
  assert.equal(onIssue.context.extension.project.key, 'ABC');
  const adminPage = (await mint({ kind: 'ui', issueKey: 'ABC-12' })).claims;
  assert.equal(adminPage.context.extension.issue, undefined, 'only issue panels are shown on an issue');

  const custom = await mint({ ttlSeconds: 60, claims: { 'app.appVersion': '9.9.9', jti: null } });
  assert.equal(custom.claims.exp - custom.claims.iat, 60);
  assert.equal(custom.claims.app.appVersion, '9.9.9');
  assert.equal(custom.claims.jti, undefined);
});

test('each negative variant fails exactly the check it names', async () => {
  const keys = await jwks();
  const rejects = async (variant, reason, extra = {}) => {
    const m = await mint({ variant, ...extra });
    assert.equal(m.variant, variant);
    assert.throws(() => verifyFit(m.token, keys, f.app.appId), new RegExp(reason), variant);
    return m;
  };
  const expired = await rejects('expired', 'expired');
  assert.ok(expired.claims.exp < Date.now() / 1000 - 60);
  const nbf = await rejects('future-nbf', 'nbf');
  assert.ok(nbf.claims.nbf > Date.now() / 1000 + 60 && nbf.claims.exp > nbf.claims.nbf);
  const aud = await rejects('wrong-aud', 'aud');
  assert.notEqual(aud.claims.aud, f.app.appId);
  assert.equal(aud.claims.app.id, f.app.appId, 'only aud differs');
  const iss = await rejects('wrong-iss', 'iss');
  assert.equal(iss.claims.iss, 'forge/context-token');
  assert.match(iss.header.kid, /^forge\/context-token\//, 'signed by a published key');
  const none = await rejects('alg-none', 'alg none');
  assert.ok(none.token.endsWith('.'), 'empty signature');
  const hs = await rejects('hs256-public-key', 'alg HS256');
  // Signed with the PEM of the current key as the HMAC secret (the classic confusion attack).
  const key = crypto.createPublicKey({ key: keys.keys.find((k) => k.kid === hs.header.kid), format: 'jwk' });
  const pem = key.export({ type: 'spki', format: 'pem' });
  const [h, c, s] = hs.token.split('.');
  assert.equal(crypto.createHmac('sha256', pem).update(`${h}.${c}`).digest('base64url'), s);
  const kid = await rejects('unknown-kid', 'unknown kid');
  assert.match(kid.header.kid, /^forge\/invocation-token\//);
  await rejects('wrong-key', 'bad signature');
  const ic = await rejects('bad-ic-label', 'icLabel');
  assert.equal(ic.claims.icLabel, '../x');
  assert.equal((await mint({ variant: 'bad-ic-label', icLabel: 'https://evil.example/jwks' })).claims.icLabel, 'https://evil.example/jwks');
  const big = await mint({ variant: 'oversized' });
  assert.ok(big.token.length > 16384);
  verifyFit(big.token, keys, f.app.appId); // valid apart from its size
  assert.equal((await f.ctl('POST', '/_control/forge/fit', { installationId: inst.uuid, variant: 'nope' })).status, 400);
});

test('other-installation: a valid FIT of another installation of the same app', async () => {
  assert.equal((await f.ctl('POST', '/_control/forge/fit', { installationId: inst.uuid, variant: 'other-installation' })).status, 409);
  await f.ctl('POST', '/_control/sites', { name: 'beta' });
  const other = (await f.ctl('POST', '/_control/forge/installations', { appId: f.app.appId, site: 'beta', sendEvent: false })).json.installation;
  const m = await mint({ variant: 'other-installation' });
  const claims = verifyFit(m.token, await jwks(), f.app.appId);
  assert.equal(claims.app.installationId, other.id);
  assert.equal(m.installationId, other.id);
  assert.equal(claims.app.installation.contexts[0].cloudId, other.cloudId);
});
