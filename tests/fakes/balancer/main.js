#!/usr/bin/env node
'use strict';
// Entry point:
//   node tests/fakes/balancer/main.js [--port N] [--host 127.0.0.1] [--ignore-stdin] [--verbose]
//     [--upstream HOST:PORT[,HOST:PORT...]]... [--control-port N] [--health-path /readyz]
//     [--health-interval-ms 500] [--keep-alive true|false]
const { runMain } = require('../lib/startup');
const { createBalancerFake } = require('./app');
const { parseUpstream } = require('./upstreams');

const whole = (name, min, max) => (v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number ${min}..${max}`);
  return n;
};
const extra = {
  '--upstream': (v, o) => {
    const list = v.split(',').filter(Boolean);
    list.forEach(parseUpstream); // a bad address is a usage error now, not later
    o.upstreams = [...(o.upstreams || []), ...list];
  },
  '--control-port': (v, o) => { o.controlPort = whole('--control-port', 0, 65535)(v); },
  '--health-path': (v, o) => {
    if (!v.startsWith('/')) throw new Error('--health-path must start with /');
    o.settings = { ...o.settings, healthPath: v };
  },
  '--health-interval-ms': (v, o) => { o.settings = { ...o.settings, healthIntervalMs: whole('--health-interval-ms', 10, 3_600_000)(v) }; },
  '--keep-alive': (v, o) => {
    if (v !== 'true' && v !== 'false') throw new Error('--keep-alive must be true or false');
    o.settings = { ...o.settings, keepAlive: v === 'true' };
  },
};

runMain(async ({ debug, opts }) => createBalancerFake({
  debug, upstreams: opts.upstreams || [], controlPort: opts.controlPort || 0, settings: opts.settings || {},
}), process.argv.slice(2), extra).catch((err) => {
  process.stderr.write(`${err && err.stack}\n`);
  process.exit(1);
});
