'use strict';
// Shared setup for the fake Jira tests: a site with the app "installed" through
// the direct-install shortcut, and a signer that does what the C++ service must.
const jwt = require('atlassian-jwt');
const { startAtlassian, control } = require('./helpers');

const APP_KEY = 'com.example.teamcity-jira';
const SECRET = 'test-shared-secret-0123456789abcdef';

async function setupSite(name = 'acme', extra = {}) {
  const fake = await startAtlassian();
  const site = (await control(fake.origin, 'POST', '/_control/sites', { name, projects: { ABC: 500, DEMO: 500 }, admins: ['admin-1'], ...extra })).json;
  await control(fake.origin, 'POST', `/_control/sites/${name}/installation`, { appKey: APP_KEY, sharedSecret: SECRET });
  return { fake, site };
}

// claims overrides: null deletes a claim.
function sign(site, method, pathAndQuery, overrides = {}, secret = SECRET) {
  const url = `${site.baseUrl}${pathAndQuery}`;
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: APP_KEY, iat: now, exp: now + 180, qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, url), false, site.baseUrl), ...overrides };
  for (const k of Object.keys(claims)) if (claims[k] === null) delete claims[k];
  return { url, auth: `JWT ${jwt.encodeSymmetric(claims, secret)}` };
}

async function call(site, method, pathAndQuery, body, overrides, secret) {
  const { url, auth } = sign(site, method, pathAndQuery, overrides, secret);
  const res = await fetch(url, {
    method,
    headers: { Authorization: auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* text */ }
  return { status: res.status, json, text, headers: res.headers };
}

function build(n, extra = {}) {
  return {
    schemaVersion: '1.0', pipelineId: 'Backend_Build', buildNumber: n, updateSequenceNumber: 1,
    displayName: `Backend / Build #${n}`, url: `http://tc.example/build/${n}`, state: 'successful',
    lastUpdated: '2025-01-31T10:15:00Z', issueKeys: ['ABC-1'], ...extra,
  };
}

function deployment(seq, extra = {}) {
  return {
    deploymentSequenceNumber: seq, updateSequenceNumber: 1, displayName: `Deploy #${seq}`, url: `http://tc.example/build/${seq}`,
    description: 'Deploy to production', lastUpdated: '2025-01-31T10:15:00Z', state: 'successful',
    pipeline: { id: 'Backend_DeployToProduction', displayName: 'Backend / Deploy to Production', url: 'http://tc.example/bt/Backend_DeployToProduction' },
    environment: { id: 'production', displayName: 'Production', type: 'production' },
    associations: [{ associationType: 'issueKeys', values: ['ABC-1'] }], ...extra,
  };
}

module.exports = { APP_KEY, SECRET, setupSite, sign, call, build, deployment };
