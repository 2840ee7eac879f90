'use strict';
// The lifecycle driver against a tiny app that records what it receives, and
// the token minting endpoint.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const jwt = require('atlassian-jwt');
const { startAtlassian, control } = require('./helpers');

function tinyApp({ answer = 204 } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/jira-app/atlassian-connect.json') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({
          key: 'com.example.teamcity-jira', baseUrl: `http://127.0.0.1:${server.address().port}/jira-app`,
          authentication: { type: 'jwt' }, scopes: ['READ', 'WRITE', 'DELETE'],
          lifecycle: { installed: '/lifecycle/installed', uninstalled: '/lifecycle/uninstalled', enabled: '/lifecycle/enabled', disabled: '/lifecycle/disabled' },
          modules: { jiraBuildInfoProvider: {}, jiraDeploymentInfoProvider: {} },
        }));
        return;
      }
      received.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      res.writeHead(typeof answer === 'function' ? answer() : answer);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server, received, base: `http://127.0.0.1:${server.address().port}/jira-app`, close: () => new Promise((r) => server.close(r)),
  })));
}

test('install: RS256 token verifiable with the served public key, payload fields, secret stored; reinstall rotates', async () => {
  const fake = await startAtlassian();
  const app = await tinyApp();
  try {
    const site = (await control(fake.origin, 'POST', '/_control/sites', { name: 'acme' })).json;
    const r = await control(fake.origin, 'POST', '/_control/sites/acme/install', { appBaseUrl: app.base });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 204);
    assert.equal(r.json.stored, true);
    const got = app.received[0];
    assert.equal(got.url, '/jira-app/lifecycle/installed');
    const token = got.headers.authorization.replace(/^JWT /, '');
    const kid = jwt.getKeyId(token);
    assert.equal(jwt.getAlgorithm(token), 'RS256');
    const pem = await (await fetch(`${fake.origin}/install-keys/${kid}`)).text();
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    const claims = jwt.decodeAsymmetric(token, pem, 'RS256');
    assert.equal(claims.iss, site.clientKey);
    assert.deepEqual(claims.aud, [app.base]);
    assert.equal(claims.exp - claims.iat, 180);
    assert.equal(claims.qsh, jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', `${app.base}/lifecycle/installed`), false, app.base));
    assert.equal(claims.qsh, 'efcb1cff0b1c68eeee0ccea2b4f9e37cc301805233fa3999e63643f28a2b4ac3', 'same hash as vector V9');
    for (const k of ['key', 'clientKey', 'sharedSecret', 'baseUrl', 'displayUrl', 'productType', 'description', 'eventType', 'pluginsVersion', 'serverVersion', 'oauthClientId']) {
      assert.ok(k in got.body, `payload has ${k}`);
    }
    assert.equal(got.body.baseUrl, site.baseUrl);
    assert.equal(got.body.eventType, 'installed');
    const s1 = (await control(fake.origin, 'GET', '/_control/sites/acme')).json;
    assert.equal(s1.installation.sharedSecret, got.body.sharedSecret);
    assert.equal((await control(fake.origin, 'GET', '/_control/install-keys/fetches')).json.byKid[kid], 1);

    await control(fake.origin, 'POST', '/_control/sites/acme/install', { appBaseUrl: app.base });
    const s2 = (await control(fake.origin, 'GET', '/_control/sites/acme')).json;
    assert.notEqual(s2.installation.sharedSecret, s1.installation.sharedSecret);
    assert.equal(s2.installation.secretVersion, 2);

    await control(fake.origin, 'POST', '/_control/sites/acme/disable', {});
    const dis = app.received.at(-1);
    assert.equal(dis.body.eventType, 'disabled');
    const hs = jwt.decodeSymmetric(dis.headers.authorization.slice(4), s2.installation.sharedSecret, 'HS256');
    assert.equal(hs.iss, site.clientKey);
    assert.equal((await control(fake.origin, 'GET', '/_control/sites/acme')).json.installation.enabled, false);
    await control(fake.origin, 'POST', '/_control/sites/acme/enable', {});
    assert.equal((await control(fake.origin, 'GET', '/_control/sites/acme')).json.installation.enabled, true);

    const un = await control(fake.origin, 'POST', '/_control/sites/acme/uninstall', {});
    assert.equal(un.json.status, 204);
    const ub = app.received.at(-1).body;
    assert.equal(ub.eventType, 'uninstalled');
    assert.equal(ub.sharedSecret, undefined);
    assert.equal((await control(fake.origin, 'GET', '/_control/sites/acme')).json.installed, false);
  } finally {
    await app.close();
    await fake.close();
  }
});

test('install is not stored when the app refuses; variants never change state', async () => {
  const fake = await startAtlassian();
  let status = 401;
  const app = await tinyApp({ answer: () => status });
  try {
    await control(fake.origin, 'POST', '/_control/sites', { name: 'acme' });
    const refused = await control(fake.origin, 'POST', '/_control/sites/acme/install', { appBaseUrl: app.base });
    assert.equal(refused.json.status, 401);
    assert.equal(refused.json.stored, false);
    assert.equal((await control(fake.origin, 'GET', '/_control/sites/acme')).json.installed, false);
    status = 204;
    const variants = ['hs256', 'unsigned', 'wrong-key', 'wrong-aud', 'iss-mismatch', 'expired', 'bad-kid', 'wrong-qsh'];
    for (const variant of variants) {
      const r = await control(fake.origin, 'POST', '/_control/sites/acme/install', { appBaseUrl: app.base, variant });
      assert.equal(r.json.stored, false, variant);
    }
    assert.equal((await control(fake.origin, 'GET', '/_control/sites/acme')).json.installed, false);
    const sent = app.received.slice(1);
    assert.equal(sent[1].headers.authorization, undefined, 'unsigned');
    assert.equal(jwt.getAlgorithm(sent[0].headers.authorization.slice(4)), 'HS256');
    assert.equal(jwt.getKeyId(sent[6].headers.authorization.slice(4)), '../x');
    const pem = await (await fetch(`${fake.origin}/install-keys/${jwt.getKeyId(sent[2].headers.authorization.slice(4))}`)).text();
    assert.throws(() => jwt.decodeAsymmetric(sent[2].headers.authorization.slice(4), pem, 'RS256'), /Signature verification failed/);
    const issMismatch = jwt.decodeAsymmetric(sent[4].headers.authorization.slice(4), pem, 'RS256');
    assert.notEqual(issMismatch.iss, sent[4].body.clientKey);
    assert.equal((await fetch(`${fake.origin}/install-keys/..%2Fx`)).status, 404);
  } finally {
    await app.close();
    await fake.close();
  }
});

test('token minting: context and request tokens verify with the shared secret', async () => {
  const fake = await startAtlassian();
  try {
    await control(fake.origin, 'POST', '/_control/sites', { name: 'acme' });
    await control(fake.origin, 'POST', '/_control/sites/acme/installation', { appKey: 'k', sharedSecret: 's3cret', baseUrl: 'http://127.0.0.1:8080' });
    const site = (await control(fake.origin, 'GET', '/_control/sites/acme')).json;
    const ctxTok = (await control(fake.origin, 'POST', '/_control/sites/acme/tokens', { kind: 'context', accountId: 'acc-1' })).json;
    const c = jwt.decodeSymmetric(ctxTok.token, 's3cret', 'HS256');
    assert.deepEqual([c.iss, c.sub, c.qsh, c.exp - c.iat], [site.clientKey, 'acc-1', 'context-qsh', 180]);
    const reqTok = (await control(fake.origin, 'POST', '/_control/sites/acme/tokens', { kind: 'request', method: 'GET', url: 'http://127.0.0.1:8080/admin?x=1', accountId: 'acc-1' })).json;
    const rc = jwt.decodeSymmetric(reqTok.token, 's3cret', 'HS256');
    assert.equal(rc.qsh, jwt.createQueryStringHash(jwt.fromMethodAndUrl('GET', '/admin?x=1'), false, 'http://127.0.0.1:8080'));
    const neg = (await control(fake.origin, 'POST', '/_control/sites/acme/tokens', { kind: 'context', exp: null, alg: 'HS512', secret: 'other' })).json;
    assert.equal(jwt.getAlgorithm(neg.token), 'HS512');
    assert.equal(jwt.decodeSymmetric(neg.token, 'other', 'HS512').exp, undefined);
    const none = (await control(fake.origin, 'POST', '/_control/sites/acme/tokens', { kind: 'context', alg: 'none' })).json;
    assert.ok(none.token.endsWith('.'));
  } finally {
    await fake.close();
  }
});

test('install-keys: unknown kid 404, fetch counts, faults on the key server, PEM styles', async () => {
  const fake = await startAtlassian();
  try {
    const { currentKid } = (await control(fake.origin, 'GET', '/_control/install-keys')).json;
    assert.equal((await fetch(`${fake.origin}/install-keys/nope`)).status, 404);
    await control(fake.origin, 'POST', '/_control/faults', { path: '/install-keys/', status: 500, times: 1 });
    assert.equal((await fetch(`${fake.origin}/install-keys/${currentKid}`)).status, 500);
    await control(fake.origin, 'POST', '/_control/install-keys/pem-style', { style: 'crlf' });
    const pem = await (await fetch(`${fake.origin}/install-keys/${currentKid}`)).text();
    assert.ok(pem.includes('\r\n'));
    const counts = (await control(fake.origin, 'GET', '/_control/install-keys/fetches')).json;
    assert.equal(counts.byKid[currentKid], 1, 'faulted request never reached the key server');
    assert.equal(counts.byKid.nope, 1);
    const { kid } = (await control(fake.origin, 'POST', '/_control/install-keys/rotate')).json;
    assert.notEqual(kid, currentKid);
    assert.equal((await fetch(`${fake.origin}/install-keys/${currentKid}`)).status, 200, 'old keys stay published');
  } finally {
    await fake.close();
  }
});
