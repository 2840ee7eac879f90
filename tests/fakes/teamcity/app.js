'use strict';
// Assembles the fake TeamCity: any number of servers under /tc/{name}, the
// /_control/ API, shared faults and request log.
const { Router } = require('../lib/router');
const { createServer } = require('../lib/server');
const { FaultTable } = require('../lib/faults');
const { RequestLog } = require('../lib/request-log');
const { addCommonControlRoutes } = require('../lib/control-common');
const { json } = require('../lib/respond');
const { addTeamCityRoutes } = require('./rest-routes');
const { addTeamCityControlRoutes } = require('./control');

function createTeamCityFake({ debug = () => {} } = {}) {
  const faults = new FaultTable();
  const log = new RequestLog();
  const app = {
    origin: null,
    servers: new Map(),
    reset() {
      this.servers.clear();
      faults.clear();
      log.clear();
    },
  };
  const router = new Router();
  addCommonControlRoutes(router, { faults, log });
  addTeamCityControlRoutes(router, app);
  addTeamCityRoutes(router, app);
  const server = createServer({
    router, faults, log,
    notFound: (ctx) => json(404, { error: `No route for ${ctx.req.method} ${ctx.path}` }),
    onError: (err) => debug(`error: ${err && err.stack}`),
  });
  return {
    server, state: app, faults, log,
    setOrigin(origin) {
      app.origin = origin;
      for (const s of app.servers.values()) s.origin = origin;
    },
    shutdown() { faults.clear(); },
  };
}

module.exports = { createTeamCityFake };
