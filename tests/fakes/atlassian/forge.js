'use strict';
// The Forge platform inside the fake Atlassian cloud: keys/JWKS, apps and
// installations, app tokens, the invocation log and the settings they share.
// It owns every timer and outbound request it starts, so a reset or shutdown
// cancels pending retries instead of leaving them to fire later.
const { HttpError } = require('../lib/http-error');
const { ForgeKeys } = require('./forge-keys');
const { ForgeRegistry } = require('./forge-registry');
const { ForgeTokens, MAX_TTL_SECONDS } = require('./forge-tokens');
const { InvocationLog } = require('./forge-invoke');

const DEFAULT_FORGE_SETTINGS = {
  fitTtlSeconds: 25,
  tokenTtlSeconds: MAX_TTL_SECONDS,
  retryDelayMs: 60_000,
  maxRetries: 4,
  triggerTimeoutMs: 5_000,
  uiTimeoutMs: 25_000,
  preUninstallTimeoutMs: 55_000,
  invokeRequestMaxBytes: 500 * 1024,
  invokeResponseMaxBytes: 5 * 1024 * 1024,
  permissionsSettleMs: 0,
  installationDetailsMinIntervalMs: 0,
};

class ForgePlatform {
  constructor(state, debug = () => {}) {
    this.state = state; // the Atlassian fake's state: origin, sites
    this.debug = debug;
    this.keys = new ForgeKeys();
    this.registry = new ForgeRegistry();
    this.tokens = new ForgeTokens();
    this.invocations = new InvocationLog();
    this.settings = { ...DEFAULT_FORGE_SETTINGS };
    this.pending = new Set(); // sleeping retries ({timer, resolve}) and in-flight AbortControllers
    this.detailsCalls = new Map(); // installation uuid -> time of the last Installation Details call
    this.track = (ac) => {
      this.pending.add(ac);
      return () => this.pending.delete(ac);
    };
  }

  origin() { return this.state.origin; }

  siteOf(inst) { return this.state.siteByCloudId(inst.cloudId); }

  // Resolves true after ms, or false when cancelled by reset/shutdown.
  sleep(ms) {
    return new Promise((resolve) => {
      const entry = { resolve };
      entry.timer = setTimeout(() => { this.pending.delete(entry); resolve(true); }, ms);
      this.pending.add(entry);
    });
  }

  cancelAll() {
    for (const p of this.pending) {
      if (p instanceof AbortController) p.abort();
      else { clearTimeout(p.timer); p.resolve(false); }
    }
    this.pending.clear();
  }

  reset() {
    this.cancelAll();
    this.registry.reset();
    this.tokens.reset();
    this.invocations.clear();
    this.keys.resetCounts();
    this.detailsCalls.clear();
    this.settings = { ...DEFAULT_FORGE_SETTINGS };
  }

  updateSettings(spec) {
    for (const [k, v] of Object.entries(spec || {})) {
      if (!(k in DEFAULT_FORGE_SETTINGS)) throw new HttpError(400, { error: `unknown setting ${k}` });
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new HttpError(400, { error: `${k} must be an integer >= 0` });
      if (k === 'tokenTtlSeconds' && (n < 1 || n > MAX_TTL_SECONDS)) throw new HttpError(400, { error: `tokenTtlSeconds must be 1..${MAX_TTL_SECONDS}` });
    }
    for (const [k, v] of Object.entries(spec || {})) this.settings[k] = Number(v);
    return this.settings;
  }

  install(app, site, opts = {}) {
    return this.registry.install(app, site, { ...opts, settleMs: this.settings.permissionsSettleMs });
  }

  // Jira removes the app and everything it pushed; the gateway refuses the
  // installation's tokens from now on (reason "installation uninstalled").
  uninstall(inst) {
    if (inst.status !== 'active') throw new HttpError(409, { error: `installation ${inst.id} is already uninstalled` });
    inst.status = 'uninstalled';
    inst.uninstalledAt = new Date().toISOString();
    const site = this.siteOf(inst);
    if (site) site.store.deleteProvider(`forge:${inst.id}`);
  }
}

module.exports = { ForgePlatform, DEFAULT_FORGE_SETTINGS };
