#!/usr/bin/env node
// HTTP benchmarks of the read path: wrk against /healthz, the authenticated GET /api/v1/servers
// (a local admin token), the Connect issue panel of one issue (a signed iframe URL, as Jira loads
// it) and the panels of 3 000 issues in turn (more than the panel keeps in memory), after the
// site's history was synced from the fake TeamCity through the real sync.
//
//   node bench/http.js [--builds 20000] [--seconds 10] [--connections 4] [--perf DIR]
//
// Prints one JSON line: requests/s and p99 latency of each route. Needs wrk and
// build/release/teamcity-jira (make build). Request limits are off (bench/lib/stack.js): this
// measures the work per request, not the limits.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startStack, executable, call, sleep } = require('./lib/stack');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const builds = option('builds', 20000);
const seconds = option('seconds', 10);
const connections = option('connections', 4);

// With --perf DIR, each route's run is also recorded by perf (call graphs) into DIR/ROUTE.data.
const perfDir = (() => { const at = args.indexOf('--perf'); return at >= 0 ? args[at + 1] : null; })();

// wrk's --latency output: "Requests/sec: 12345.67" and "     99%    1.23ms".
function wrk(url, headers = [], recording = null, script = null) {
  const perf = recording && spawn('perf', ['record', '-g', '-q', '-p', String(recording.pid), '-o', recording.file],
                                   { stdio: 'ignore' });
  const r = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency',
                              ...(script ? ['-s', script] : []),
                              ...headers.flatMap((h) => ['-H', h]), url], { encoding: 'utf8' });
  if (perf) perf.kill('SIGINT');
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.error}`);
  const rps = Number((r.stdout.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]);
  const p99 = r.stdout.match(/\s99%\s+([\d.]+)(us|ms|s)\b/);
  const non2xx = Number((r.stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/) || [0, 0])[1]);
  const scale = { us: 0.001, ms: 1, s: 1000 };
  return { requestsPerSecond: Math.round(rps), p99Ms: p99 ? +(Number(p99[1]) * scale[p99[2]]).toFixed(2) : null, non2xx };
}

async function main() {
  const stack = await startStack();
  const { app, jira, teamcity, env, addServer, synced } = stack;
  const days = 60;
  const created = await call('POST', `${teamcity}/_control/servers`, {
    name: 'main', token: 'tok', builds, startTime: new Date(Date.now() - days * 86400e3).toISOString(),
    intervalSeconds: Math.max(1, Math.floor((days * 86400) / builds)),
  });
  if (created.status !== 201) throw new Error(created.text);
  const id = await addServer('main');
  // The backfill window must cover the whole history.
  const backfill = await stack.api('POST', `/api/v1/servers/${id}/backfill`, { days: days + 1 });
  if (backfill.status >= 300) throw new Error(`backfill: ${backfill.text}`);
  let status;
  while (!(status = await synced(id)) || status.builds.total < builds) await sleep(500);

  const token = spawnSync(executable, ['admin-tokens', 'create', '--site', `${jira}/sites/acme`], { env, encoding: 'utf8' });
  if (token.status !== 0) throw new Error(`admin-tokens create: ${token.stderr}`);
  const adminToken = token.stdout.trim().split('\n').pop();

  // The issue with the most builds in Jira: the panel lists its 50 newest.
  const key = 'ABC-7';
  const panelUrl = `${app}/jira/issue-panel?issueKey=${key}`;
  const signed = await call('POST', `${jira}/_control/sites/acme/tokens`,
                            { kind: 'request', method: 'GET', url: panelUrl, accountId: 'acc-admin' });
  const panel = await call('GET', `${panelUrl}&jwt=${encodeURIComponent(signed.json.token)}`);
  if (panel.status !== 200) throw new Error(`issue panel: ${panel.status} ${panel.text.slice(0, 200)}`);
  const rows = (panel.text.match(/<tr>/g) || []).length;

  // Views spread over more issues than the panel keeps in memory (sync::IssueBuildsReader keeps
  // 2 000): nearly every view reads PostgreSQL, as on a large site whose users open different issues.
  const spread = [];
  for (let n = 1; n <= 3000; n++) {
    const url = `${app}/jira/issue-panel?issueKey=ABC-${n}`;
    const t = await call('POST', `${jira}/_control/sites/acme/tokens`,
                         { kind: 'request', method: 'GET', url, accountId: 'acc-admin' });
    spread.push(`/jira/issue-panel?issueKey=ABC-${n}&jwt=${encodeURIComponent(t.json.token)}`);
  }
  const script = path.join(stack.dir, 'spread.lua');
  fs.writeFileSync(script, `local paths = ${JSON.stringify(spread).replace('[', '{').replace(/]$/, '}')}\n` +
                           'local i = 0\nrequest = function()\n  i = i % #paths + 1\n' +
                           '  return wrk.format("GET", paths[i])\nend\n');

  const record = (route) => perfDir && { pid: stack.serve.pid, file: `${perfDir}/${route}.data` };
  const result = {
    builds: status.builds.total,
    connections,
    seconds,
    healthz: wrk(`${app}/healthz`, [], record('healthz')),
    servers: wrk(`${app}/api/v1/servers`, [`Authorization: Bearer ${adminToken}`], record('servers')),
    issuePanel: { issueKey: key, rows, ...wrk(`${panelUrl}&jwt=${encodeURIComponent(signed.json.token)}`, [], record('panel')) },
    issuePanel3000Issues: wrk(app, [], record('panel-spread'), script),
  };
  console.log(JSON.stringify(result));
  await stack.stop();
  process.exit(0);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
