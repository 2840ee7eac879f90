#!/usr/bin/env node
'use strict';
// Entry point: node tests/fakes/teamcity/main.js [--port N] [--host 127.0.0.1]
const { runMain } = require('../lib/startup');
const { createTeamCityFake } = require('./app');

runMain(async ({ debug }) => createTeamCityFake({ debug })).catch((err) => {
  process.stderr.write(`${err && err.stack}\n`);
  process.exit(1);
});
