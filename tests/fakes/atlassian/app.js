'use strict';
// Assembles the fake Atlassian cloud: one HTTP server playing the install-keys
// host, any number of Jira sites (/sites/{name}), the OAuth token endpoint and
// API gateway, the Forge platform (JWKS, invocations of a Forge Remote, the
// /ex/jira gateway), the stand-in Jira pages, and the /_control/ API. A second
// listener plays the Forge CDN serving Custom UI resources on its own origin.
const { Router } = require('../lib/router');
const { createServer } = require('../lib/server');
const { FaultTable } = require('../lib/faults');
const { RequestLog } = require('../lib/request-log');
const { addCommonControlRoutes } = require('../lib/control-common');
const { json, text } = require('../lib/respond');
const { HttpError } = require('../lib/http-error');
const { InstallKeys } = require('./install-keys');
const { OAuthRegistry, addOAuthRoutes, addOAuthControlRoutes } = require('./oauth');
const { addConnectRoutes } = require('./connect-routes');
const { addAtlassianControlRoutes } = require('./control');
const { addJiraPageRoutes } = require('./jira-pages');
const { addForgePageRoutes } = require('./forge-pages');
const { createForgeCdn } = require('./forge-cdn');
const { ForgePlatform } = require('./forge');
const { addForgeGatewayRoutes } = require('./forge-gateway');
const { addForgeControlRoutes } = require('./forge-control');

const DEFAULT_SETTINGS = { maxBodyBytes: 1024 * 1024, leewaySeconds: 0 };

function createAtlassianFake({ debug = () => {} } = {}) {
  const faults = new FaultTable();
  const log = new RequestLog();
  const state = {
    origin: null,
    cdnOrigin: null, // the stand-in Forge CDN's origin, set once it listens
    sites: new Map(),
    keys: new InstallKeys(),
    oauth: new OAuthRegistry(),
    settings: { ...DEFAULT_SETTINGS },
    siteByCloudId(cloudId) {
      for (const s of this.sites.values()) if (s.cloudId === cloudId) return s;
      return null;
    },
    siteOr404(name) {
      const s = this.sites.get(name);
      if (!s) throw new HttpError(404, { error: `no site ${name}` });
      return s;
    },
    reset() {
      this.forge.reset();
      this.sites.clear();
      this.oauth.reset();
      this.keys.resetCounts();
      this.keys.pemStyle = 'lf';
      this.settings = { ...DEFAULT_SETTINGS };
      faults.clear();
      log.clear();
    },
  };
  state.forge = new ForgePlatform(state, debug);

  const router = new Router();
  router.add('GET', '/install-keys/:kid', async (ctx) => {
    const pem = state.keys.fetch(ctx.params.kid);
    return pem ? text(200, pem, 'application/x-pem-file') : text(404, 'Not Found');
  });
  addConnectRoutes(router, state);
  addOAuthRoutes(router, state);
  addCommonControlRoutes(router, { faults, log });
  addAtlassianControlRoutes(router, state);
  addOAuthControlRoutes(router, state);
  addJiraPageRoutes(router, state);
  addForgePageRoutes(router, state);
  addForgeGatewayRoutes(router, state);
  addForgeControlRoutes(router, state);

  const server = createServer({
    router, faults, log,
    notFound: (ctx) => json(404, { error: `No route for ${ctx.req.method} ${ctx.path}` }),
    onError: (err) => debug(`error: ${err && err.stack}`),
  });
  const cdn = createForgeCdn(state, { faults, log, debug });

  return {
    server, state, faults, log,
    setOrigin(origin) {
      state.origin = origin;
      for (const s of state.sites.values()) s.origin = origin;
    },
    // The CDN listens on the same host, port chosen by the OS; its origin is
    // announced next to "listening" and in GET /_control/forge.
    async afterListen({ host, originHost }) {
      const port = await cdn.listen(host);
      state.cdnOrigin = `http://${originHost}:${port}`;
      return { cdnOrigin: state.cdnOrigin };
    },
    shutdown() {
      faults.clear();
      state.forge.cancelAll();
      return cdn.close();
    },
  };
}

module.exports = { createAtlassianFake };
