#!/usr/bin/env node
'use strict';
// Entry point: node tests/fakes/proxy/main.js [--port N] [--host 127.0.0.1] [--ignore-stdin] [--verbose]
const { runMain } = require('../lib/startup');
const { createProxyFake } = require('./app');

runMain(async ({ debug }) => createProxyFake({ debug })).catch((err) => {
  process.stderr.write(`${err && err.stack}\n`);
  process.exit(1);
});
