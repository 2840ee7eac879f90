#!/usr/bin/env node
// End-to-end sync benchmarks: the release executable between the fake TeamCity and the fake
// Atlassian cloud, on loopback, with its embedded PostgreSQL.
//
//   node bench/sync-e2e.js initial [--builds 20000]        initial sync of one server: builds/s, peak RSS
//        [--pg-stats]                                      and where PostgreSQL spent its time
//        [--relay]                                         through a relay: its CPU, idle and busy memory
//   node bench/sync-e2e.js many [--servers 1000] [--seconds 120]
//                                                           steady polling of many servers: CPU, RSS
//
// Prints one JSON line of results. Needs build/release/teamcity-jira (make build).
'use strict';

const os = require('node:os');
const path = require('node:path');
const { startStack, call, sleep, procStats, otherCpu } = require('./lib/stack');

const args = process.argv.slice(2);
const mode = args[0] || 'initial';
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};

async function main() {
  const pgStats = args.includes('--pg-stats');
  const relayed = args.includes('--relay');
  const { dir, jira, teamcity, serve, fakePids, addServer, addRelayedServer, synced, stop, psql } =
    await startStack({ pgStats });
  let result;
  if (mode === 'initial') {
    const builds = option('builds', 20000);
    const days = 20;
    const start = new Date(Date.now() - days * 86400e3).toISOString();
    const created = await call('POST', `${teamcity}/_control/servers`, {
      name: 'main', token: 'tok', builds, startTime: start, intervalSeconds: Math.floor((days * 86400) / builds),
    });
    if (created.status !== 201) throw new Error(created.text);
    if (pgStats) psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()');
    const walBefore = pgStats ? psql('SELECT pg_current_wal_lsn()')[0][0] : null;
    const before = procStats(serve.pid);
    const othersBefore = otherCpu(fakePids, path.join(dir, 'pg'));
    const t0 = Date.now();
    // Through a relay the time includes starting it (the backfill waits for its connection); its
    // idle memory is measured as it connects, before the first request.
    const { id, relay } = relayed ? await addRelayedServer('main') : { id: await addServer('main') };
    const relayIdle = relay ? procStats(relay.pid) : null;
    // A status call counts the server's builds, so it is asked every second at 20 000 builds and
    // every 10 s at 200 000 (more often would be a load of its own); the sync ended with the last
    // answer Jira gave, which the fake's request log dates to the millisecond.
    let status;
    while (!(status = await synced(id))) await sleep(Math.max(1000, builds / 20));
    const [last] = (await call('GET', `${jira}/_control/requests?path=/sites/acme/rest/&method=POST&limit=1`)).json.entries;
    const seconds = ((last ? Date.parse(last.time) + last.durationMs : Date.now()) - t0) / 1000;
    const after = procStats(serve.pid);
    const othersAfter = otherCpu(fakePids, path.join(dir, 'pg'));
    const relayAfter = relay ? procStats(relay.pid) : null;
    const stored = (await call('GET', `${jira}/_control/sites/acme/builds`)).json.count +
                   (await call('GET', `${jira}/_control/sites/acme/deployments`)).json.count;
    if (process.env.BENCH_DEBUG) {
      for (const [name, base, prefix] of [['teamcity', teamcity, '/tc/'], ['jira', jira, '/sites/']]) {
        const log = (await call('GET', `${base}/_control/requests?path=${prefix}&limit=20000`)).json.entries;
        const t = (e) => Date.parse(e.time);
        const byMinute = {};
        for (const e of log) {
          const second = Math.floor((t(e) - t(log[0])) / 1000);
          byMinute[second] = (byMinute[second] || 0) + 1;
        }
        console.error(name, log.length, 'requests; per second:', JSON.stringify(byMinute));
        console.error(name, 'slowest:', log.sort((a, b) => b.durationMs - a.durationMs).slice(0, 5).map((e) => `${e.method} ${e.path} ${e.durationMs}ms`).join(' | '));
      }
    }
    // Every build the fake holds is in the window; the status's total of a large server may be a
    // minute old (sync::BuildCountsCache), so it is not the count used here.
    result = { mode, builds, sentToJira: stored, seconds: +seconds.toFixed(2),
               buildsPerSecond: Math.round(builds / seconds),
               serveCpuSeconds: +(after.cpuSeconds - before.cpuSeconds).toFixed(2),
               servePeakRssMiB: +after.peakRssMiB.toFixed(1),
               fakesCpuSeconds: +(othersAfter.fakeSeconds - othersBefore.fakeSeconds).toFixed(2),
               // startStack starts the Atlassian fake first, then TeamCity's.
               jiraFakeCpuSeconds: +(othersAfter.perFake[0] - othersBefore.perFake[0]).toFixed(2),
               teamcityFakeCpuSeconds: +(othersAfter.perFake[1] - othersBefore.perFake[1]).toFixed(2),
               postgresCpuSeconds: +(othersAfter.pgSeconds - othersBefore.pgSeconds).toFixed(2),
               cores: os.cpus().length };
    if (relay) {
      Object.assign(result, { relayIdleRssMiB: +relayIdle.rssMiB.toFixed(1), relayPeakRssMiB: +relayAfter.peakRssMiB.toFixed(1),
                              relayCpuSeconds: +(relayAfter.cpuSeconds - relayIdle.cpuSeconds).toFixed(2) });
    }
    if (pgStats) {
      const [[walBytes]] = psql(`SELECT pg_current_wal_lsn() - '${walBefore}'::pg_lsn`);
      result.walBytesPerBuild = Math.round(Number(walBytes) / builds);
      const [[rowBytes, recordBytes, updates, hotUpdates]] = psql(
        'SELECT round(avg(pg_column_size(b.*))), round(avg(pg_column_size(b.record))), ' +
        "(SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'builds'), " +
        "(SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'builds') FROM app.builds b");
      Object.assign(result, { rowBytes: Number(rowBytes), recordBytes: Number(recordBytes),
                              builds_updated: Number(updates), builds_hot_updated: Number(hotUpdates) });
      result.statements = psql(
        'SELECT round(total_exec_time)::int, calls, rows, round(shared_blks_dirtied + shared_blks_written)::int, ' +
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15")
        .map(([ms, calls, rows, dirtied, query]) => ({ ms: Number(ms), calls: Number(calls), rows: Number(rows),
                                                      dirtied: Number(dirtied), query }));
    }
  } else if (mode === 'many') {
    const servers = option('servers', 1000);
    const seconds = option('seconds', 120);
    const bulk = await call('POST', `${teamcity}/_control/servers/bulk`, { count: servers, namePrefix: 'tc', token: 'tok', builds: 20,
                                                                         startTime: new Date(Date.now() - 86400e3).toISOString() });
    if (bulk.status !== 201) throw new Error(bulk.text);
    const ids = [];
    for (const name of bulk.json.names) ids.push(await addServer(name));
    // Wait for every server's first sync, then measure steady polling.
    for (const id of ids) while (!(await synced(id))) await sleep(200);
    const before = procStats(serve.pid);
    const requestsBefore = (await call('GET', `${teamcity}/_control/requests/counts?path=/tc/`)).json.counts;
    await sleep(seconds * 1000);
    const after = procStats(serve.pid);
    const requestsAfter = (await call('GET', `${teamcity}/_control/requests/counts?path=/tc/`)).json.counts;
    const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
    result = { mode, servers, seconds, pollIntervalSeconds: 30,
               serveCpuCores: +((after.cpuSeconds - before.cpuSeconds) / seconds).toFixed(3),
               serveRssMiB: +after.rssMiB.toFixed(1), servePeakRssMiB: +after.peakRssMiB.toFixed(1),
               teamcityRequestsPerSecond: +((total(requestsAfter) - total(requestsBefore)) / seconds).toFixed(1) };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  console.log(JSON.stringify(result));
  await stop();
  process.exit(0);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
