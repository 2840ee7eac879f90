#!/usr/bin/env node
'use strict';
// Throughput ceiling of the fake TeamCity for a full sync: pages of 100 builds
// with their changes nested, following nextHref over keep-alive connections.
// Usage: node bench/teamcity-builds.js [--builds 20000] [--parallel 4] [--origin http://127.0.0.1:PORT]
const http = require('node:http');
const { startFake } = require('./spawn');

const FIELDS = 'count,nextHref,build(id,buildTypeId,number,status,state,composite,failedToStart,personal,history,branchName,defaultBranch,webUrl,statusText,queuedDate,startDate,finishDate,finishOnAgentDate,canceledInfo(timestamp,text,user(username)),triggered(type,details,date,user(username,name)),buildType(id,internalId,name,projectId,projectName,type),revisions(revision(version,vcsBranchName,vcs-root-instance(id,vcs-root-id,name))),testOccurrences(count,passed,failed,newFailed,ignored,muted),changes(change(id,version,username,date,comment)),agent(name),properties(property(name,value)))';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

function get(agent, origin, path) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${path}`, { agent, headers: { Authorization: 'Bearer bench-token', Accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} for ${path}`));
        const buf = Buffer.concat(chunks);
        resolve({ json: JSON.parse(buf.toString('utf8')), bytes: buf.length });
      });
    });
    req.on('error', reject);
  });
}

async function main() {
  const builds = Number(arg('builds', 20000));
  const parallel = Number(arg('parallel', 4));
  const fake = arg('origin', null) ? { origin: arg('origin'), stop: () => {} } : await startFake('teamcity');
  const t0 = Date.now();
  const created = await fetch(`${fake.origin}/_control/servers`, {
    method: 'POST',
    body: JSON.stringify({ name: 'bench', token: 'bench-token', seed: 7, builds, projects: 4, buildTypesPerProject: 4, deploymentTypes: 2 }),
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
  const genMs = Date.now() - t0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  // Split the history into `parallel` ranges by project so clients page independently.
  const projects = (await get(agent, fake.origin, '/tc/bench/app/rest/projects?locator=parentProject:(id:_Root)&fields=project(id)')).json.project.map((p) => p.id);
  const queues = projects.map((p) => `/tc/bench/app/rest/builds?locator=${encodeURIComponent(`affectedProject:(id:${p}),defaultFilter:false,state:any,branch:default:any,count:100`)}&fields=${encodeURIComponent(FIELDS)}`);
  let got = 0;
  let pages = 0;
  let bytes = 0;
  const tStart = process.hrtime.bigint();
  await Promise.all(queues.map(async (first) => {
    let path = first;
    while (path) {
      const { json: page, bytes: n } = await get(agent, fake.origin, path);
      pages++;
      got += page.build.length;
      bytes += n;
      path = page.nextHref ? `/tc/bench${page.nextHref}` : null;
    }
  }));
  const secs = Number(process.hrtime.bigint() - tStart) / 1e9;
  console.log(JSON.stringify({ builds: got, pages, seconds: +secs.toFixed(3), buildsPerSecond: Math.round(got / secs), mbPerSecond: +(bytes / secs / 1e6).toFixed(1), generationMs: genMs, parallel }));
  agent.destroy();
  fake.stop();
}

main().catch((err) => { console.error(err); process.exit(1); });
