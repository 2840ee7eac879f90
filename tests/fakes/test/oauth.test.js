'use strict';
// OAuth 2.0 client credentials and the API gateway routes of the fake.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAtlassian, control } = require('./helpers');
const { build, deployment } = require('./jira-helpers');

let fake;
let site;
let cred;
test.before(async () => {
  fake = await startAtlassian();
  site = (await control(fake.origin, 'POST', '/_control/sites', { name: 'acme' })).json;
  cred = (await control(fake.origin, 'POST', '/_control/sites/acme/oauth-credentials', {})).json;
});
test.after(() => fake.close());

async function token(body, form = false) {
  const res = await fetch(`${fake.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function api(method, path, accessToken, body) {
  const res = await fetch(`${fake.origin}/api/jira${path}`, {
    method,
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

test('token request: JSON with/without audience and form encoding; bad credentials; wrong grant', async () => {
  const base = { grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret };
  for (const [body, form] of [[{ audience: 'api.atlassian.com', ...base }, false], [base, false], [base, true]]) {
    const r = await token(body, form);
    assert.equal(r.status, 200);
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(r.json.expires_in, 3600);
    assert.equal(typeof r.json.access_token, 'string');
    assert.equal(typeof r.json.scope, 'string');
  }
  const bad = await token({ ...base, client_secret: 'nope' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.error, 'access_denied');
  assert.equal((await token({ ...base, grant_type: 'password' })).status, 400);
  const stats = (await control(fake.origin, 'GET', '/_control/oauth/stats')).json;
  assert.equal(stats.byClient[cred.clientId].tokenRequests, 5);
  assert.equal(stats.byClient[cred.clientId].tokensIssued, 3);
});

test('API flow: submit with Bearer; wrong cloudId 403; permission removed 403; revoked 401; expiry 401', async () => {
  const base = { grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret };
  const t = (await token(base)).json.access_token;
  const ok = await api('POST', `/builds/0.1/cloud/${site.cloudId}/bulk`, t, { builds: [build(1)] });
  assert.equal(ok.status, 202);
  assert.equal(ok.json.acceptedBuilds.length, 1);
  assert.equal((await api('GET', `/builds/0.1/cloud/${site.cloudId}/pipelines/Backend_Build/builds/1`, t)).status, 200);
  const stored = (await control(fake.origin, 'GET', '/_control/sites/acme/builds')).json.builds;
  assert.equal(stored[0].provider, `oauth:${cred.clientId}`);
  assert.equal((await api('POST', `/deployments/0.1/cloud/${site.cloudId}/bulk`, t, { deployments: [deployment(1)] })).status, 202);

  const wrong = await api('POST', '/builds/0.1/cloud/00000000-0000-0000-0000-000000000000/bulk', t, { builds: [build(2)] });
  assert.equal(wrong.status, 403);
  assert.equal((await api('POST', `/builds/0.1/cloud/${site.cloudId}/bulk`, 'garbage', { builds: [build(2)] })).json.message, 'Unauthorized');

  await control(fake.origin, 'POST', `/_control/oauth-credentials/${cred.clientId}/permissions`, { permissions: ['builds'] });
  assert.equal((await api('POST', `/deployments/0.1/cloud/${site.cloudId}/bulk`, t, { deployments: [deployment(2)] })).status, 403);
  assert.equal((await api('POST', `/builds/0.1/cloud/${site.cloudId}/bulk`, t, { builds: [build(3)] })).status, 202, 'builds keep flowing');

  await control(fake.origin, 'POST', `/_control/oauth-credentials/${cred.clientId}/revoke-tokens`);
  const revoked = await api('POST', `/builds/0.1/cloud/${site.cloudId}/bulk`, t, { builds: [build(4)] });
  assert.equal(revoked.status, 401);
  assert.deepEqual(revoked.json, { code: 401, message: 'Unauthorized' });

  await control(fake.origin, 'POST', `/_control/oauth-credentials/${cred.clientId}/expires-in`, { expiresIn: 1 });
  const short = (await token(base)).json;
  assert.equal(short.expires_in, 1);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await api('POST', `/builds/0.1/cloud/${site.cloudId}/bulk`, short.access_token, { builds: [build(5)] })).status, 401);

  await control(fake.origin, 'DELETE', `/_control/oauth-credentials/${cred.clientId}`);
  assert.equal((await token(base)).status, 401, 'deleted credential');
});
