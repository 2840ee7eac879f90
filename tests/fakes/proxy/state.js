'use strict';
// What the proxy fake remembers: counters, distinct targets, the tunnel table,
// live forwarded connections and the optional Basic credentials.

const MAX_CLOSED_TUNNELS = 1000; // history kept for GET /_control/tunnels

class ProxyState {
  constructor() {
    this.auth = null; // { username, password } when proxy authentication is on
    this.openTunnels = new Set(); // tunnel records whose sockets are still open
    this.forwardClients = new Set(); // client sockets that carried an absolute-form request
    this.forwardUpstreams = new Set(); // upstream http.ClientRequests in flight
    this.nextTunnelId = 1;
    this.reset();
  }

  // Zeroes the counters and forgets closed tunnels; open tunnels stay open and
  // listed (openTunnels is a gauge, not a counter). Auth is not touched.
  reset() {
    this.tunnels = 0;
    this.forwarded = 0;
    this.refused407 = 0;
    this.failed = 0;
    this.targets = new Set();
    this.closedTunnels = [];
  }

  seeTarget(target) { this.targets.add(target); }

  openTunnel(target) {
    const t = {
      id: this.nextTunnelId++, target, open: true, bytesUp: 0, bytesDown: 0,
      openedAt: new Date().toISOString(), closedAt: null, client: null, upstream: null,
    };
    this.tunnels++;
    this.openTunnels.add(t);
    return t;
  }

  closeTunnel(t) {
    if (!t.open) return;
    t.open = false;
    t.closedAt = new Date().toISOString();
    this.openTunnels.delete(t);
    this.closedTunnels.push(t);
    if (this.closedTunnels.length > MAX_CLOSED_TUNNELS) this.closedTunnels.shift();
  }

  stats() {
    return {
      tunnels: this.tunnels,
      openTunnels: this.openTunnels.size,
      forwarded: this.forwarded,
      refused407: this.refused407,
      failed: this.failed,
      targets: [...this.targets],
    };
  }

  tunnelList() {
    const view = ({ id, target, open, bytesUp, bytesDown, openedAt, closedAt }) => ({ id, target, open, bytesUp, bytesDown, openedAt, closedAt });
    return [...this.closedTunnels, ...this.openTunnels].sort((a, b) => a.id - b.id).map(view);
  }

  // Destroys every open tunnel and forwarded connection; returns how many.
  closeAll() {
    let closed = 0;
    for (const t of [...this.openTunnels]) {
      t.client.destroy();
      t.upstream.destroy();
      this.closeTunnel(t);
      closed++;
    }
    for (const up of this.forwardUpstreams) up.destroy();
    this.forwardUpstreams.clear();
    for (const s of this.forwardClients) { s.destroy(); closed++; }
    this.forwardClients.clear();
    return closed;
  }

  // Basic check of a Proxy-Authorization header; true when auth is off.
  authorized(header) {
    if (!this.auth) return true;
    const m = /^\s*Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header || '');
    if (!m) return false;
    return Buffer.from(m[1], 'base64').toString('utf8') === `${this.auth.username}:${this.auth.password}`;
  }
}

module.exports = { ProxyState };
