#!/usr/bin/env node
'use strict';
// Throughput ceiling of the fake Jira Builds API: batches of 100 builds, each
// request signed with atlassian-jwt (HS256, qsh), over keep-alive connections.
// Usage: node bench/atlassian-builds.js [--builds 200000] [--parallel 4] [--origin http://127.0.0.1:PORT]
const http = require('node:http');
const jwt = require('atlassian-jwt');
const { startFake } = require('./spawn');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

async function control(origin, path, body) {
  const res = await fetch(`${origin}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const total = Number(arg('builds', 200000));
  const parallel = Number(arg('parallel', 4));
  const fake = arg('origin', null) ? { origin: arg('origin'), stop: () => {} } : await startFake('atlassian');
  const site = await control(fake.origin, '/_control/sites', { name: 'bench', projects: { ABC: 5000, DEMO: 5000 } });
  const secret = 'bench-shared-secret-0123456789abcdef';
  const appKey = 'com.example.teamcity-jira';
  await control(fake.origin, '/_control/sites/bench/installation', { appKey, sharedSecret: secret });
  const url = `${site.baseUrl}/rest/builds/0.1/bulk`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const batches = Math.ceil(total / 100);
  let next = 0;
  let accepted = 0;
  const tStart = process.hrtime.bigint();
  const worker = async () => {
    while (next < batches) {
      const batch = next++;
      const builds = [];
      for (let i = 0; i < 100; i++) {
        const n = batch * 100 + i;
        builds.push({
          pipelineId: `Proj${n % 50}_Build`, buildNumber: n, updateSequenceNumber: 1, displayName: `Build #${n}`,
          url: `http://tc.example/build/${n}`, state: 'successful', lastUpdated: '2025-01-01T00:00:00Z',
          issueKeys: [`ABC-${(n % 5000) + 1}`, `DEMO-${(n % 4000) + 1}`],
          references: [{ commit: { id: 'a'.repeat(40), repositoryUri: 'https://git.example/repo' }, ref: { name: 'main', uri: 'https://git.example/repo/tree/main' } }],
          testInfo: { totalNumber: 10, numberPassed: 10, numberFailed: 0 },
        });
      }
      const now = Math.floor(Date.now() / 1000);
      const token = jwt.encodeSymmetric({ iss: appKey, iat: now, exp: now + 180, qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', url), false, site.baseUrl) }, secret);
      const res = await post(agent, url, { Authorization: `JWT ${token}`, 'Content-Type': 'application/json' }, JSON.stringify({ properties: { tcServerId: 'bench' }, builds }));
      if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      accepted += JSON.parse(res.body).acceptedBuilds.length;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const secs = Number(process.hrtime.bigint() - tStart) / 1e9;
  console.log(JSON.stringify({ builds: accepted, requests: batches, seconds: +secs.toFixed(3), buildsPerSecond: Math.round(accepted / secs), parallel }));
  agent.destroy();
  fake.stop();
}

main().catch((err) => { console.error(err); process.exit(1); });
