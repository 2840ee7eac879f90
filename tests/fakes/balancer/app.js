'use strict';
// The load balancer fake: an HTTP/1.1 listener that hands every request, whatever
// its path, to a list of upstreams in turn (see forward.js for what is retried),
// and a control listener of its own for the list, the settings and the counts.
const http = require('node:http');
const { Upstreams } = require('./upstreams');
const { Forwarder } = require('./forward');
const { createControlServer, applySettings } = require('./control');

// options: { upstreams: ["127.0.0.1:8080", ...], controlPort, settings: {...} }
function createBalancerFake({ debug = () => {}, upstreams: list = [], controlPort = 0, settings = {} } = {}) {
  const upstreams = new Upstreams({ debug });
  upstreams.set(list);
  const forwarder = new Forwarder(upstreams, debug);
  applySettings(upstreams, forwarder, settings);

  const server = http.createServer((req, res) => {
    forwarder.handle(req, res).catch((err) => {
      debug(`balancer: ${err && err.stack}`);
      if (!res.headersSent) { res.writeHead(500, { 'Content-Length': 0 }); res.end(); } else res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Clients keep connections to the balancer as long as they like; a slow upstream
  // is the forwarder's timeout to judge, not Node's.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;

  const control = createControlServer(upstreams, forwarder, debug);
  const app = { origin: null, controlOrigin: null };
  return {
    server, upstreams, forwarder, control,
    setOrigin(origin) { app.origin = origin; },
    get origin() { return app.origin; },
    get controlOrigin() { return app.controlOrigin; },
    // The control listener: same host, its own port (the OS's unless --control-port).
    async afterListen({ host, originHost }) {
      await new Promise((resolve, reject) => {
        control.once('error', reject);
        control.listen(controlPort, host, resolve);
      });
      app.controlOrigin = `http://${originHost}:${control.address().port}`;
      return { controlOrigin: app.controlOrigin };
    },
    shutdown() {
      upstreams.stop();
      forwarder.close();
      return new Promise((resolve) => {
        if (!control.listening) { resolve(); return; }
        control.close(() => resolve());
        control.closeAllConnections();
      });
    },
  };
}

module.exports = { createBalancerFake };
