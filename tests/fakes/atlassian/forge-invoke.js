'use strict';
// "Forge calls the remote" for events, scheduled triggers and preUninstall
// (jira-auth-paths.md §2.2, §2.5, §2.8): POST remoteBaseUrl + endpoint route,
// FIT + x-b3-* + token headers, 5 s timeout, up to `maxRetries` retries
// `retryDelayMs` apart carrying payload.retryContext. Every invocation is kept
// in a log (token values never; their short hashes yes, to correlate with the
// gateway's request log).
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');
const { shortHash } = require('../lib/request-log');
const { endpointByKey, tokenKinds } = require('./forge-manifest');
const { mintFit, mintContextToken } = require('./forge-fit');
const { sendRequest } = require('./forge-http');

const LOG_LIMIT = 5000;

class InvocationLog {
  constructor() { this.clear(); }

  clear() {
    this.entries = [];
    this.nextId = 1;
  }

  add(fields) {
    const inv = {
      id: this.nextId++, createdAt: new Date().toISOString(), finishedAt: null,
      state: 'pending', status: null, retryCount: 0, error: null, attempts: [], ...fields,
    };
    this.entries.push(inv);
    if (this.entries.length > LOG_LIMIT) this.entries.shift();
    return inv;
  }

  get(id) {
    const inv = this.entries.find((e) => e.id === Number(id));
    if (!inv) throw new HttpError(404, { error: `no invocation ${id}` });
    return inv;
  }

  query({ installationId, kind, since = 0 } = {}) {
    const forInstallation = (e) => !installationId || e.installationId === installationId || e.installationUuid === installationId;
    return this.entries.filter((e) => e.id > since && forInstallation(e) && (!kind || e.kind === kind));
  }
}

// Promises and other internals live on non-enumerable properties.
function hidden(obj, name, value) {
  Object.defineProperty(obj, name, { value, enumerable: false, writable: true });
}

function retryReason(res) {
  if (res.status === 401) return 'INVALID_FORGE_INVOCATION_TOKEN';
  if (res.error === 'timeout') return 'TIMEOUT_ERROR';
  return 'INVALID_REMOTE_INVOCATION_ERROR';
}

const is2xx = (status) => status >= 200 && status < 300;

// Headers of one attempt. fitOpts selects the FIT flavour (endpoint or UI).
function invocationHeaders(forge, inst, endpoint, { fitOpts, accountId = null, traceId, extra = {} }) {
  const fit = mintFit(forge, inst, fitOpts);
  const kinds = tokenKinds(endpoint, inst.scopes);
  const ttl = forge.settings.tokenTtlSeconds;
  const system = kinds.system ? forge.tokens.mint(inst, 'system', inst.systemAccountId, ttl).token : null;
  const user = kinds.user && accountId ? forge.tokens.mint(inst, 'user', accountId, ttl).token : null;
  const headers = {
    ...extra, 'content-type': 'application/json', authorization: `Bearer ${fit.token}`,
    'x-b3-traceid': traceId, 'x-b3-spanid': crypto.randomBytes(8).toString('hex'),
  };
  if (system) headers['x-forge-oauth-system'] = system;
  if (user) headers['x-forge-oauth-user'] = user;
  const note = { fitJti: fit.claims.jti, systemTokenHash: system && shortHash(system), userTokenHash: user && shortHash(user) };
  return { headers, note };
}

function remoteUrl(inst, endpoint) {
  return `${inst.app.remoteBaseUrl.replace(/\/+$/, '')}${endpoint.route.path.startsWith('/') ? '' : '/'}${endpoint.route.path}`;
}

// spec: {kind, event, moduleKey, endpointKey, body(retryContext) -> object, retries, timeoutMs, redact(body)}
function startDelivery(forge, inst, spec) {
  const endpoint = endpointByKey(inst.modules, spec.endpointKey);
  const inv = forge.invocations.add({
    kind: spec.kind, event: spec.event || null, moduleKey: spec.moduleKey, endpointKey: spec.endpointKey,
    installationId: inst.id, installationUuid: inst.uuid, cloudId: inst.cloudId, method: 'POST',
    url: endpoint && endpoint.route ? remoteUrl(inst, endpoint) : null,
    payload: (spec.redact || ((b) => b))(spec.body(null)),
  });
  let firstDone;
  hidden(inv, 'first', new Promise((r) => { firstDone = r; }));
  const finish = (state, error = null) => { inv.state = state; inv.error = error; inv.finishedAt = new Date().toISOString(); };
  if (!inv.url) {
    finish('failed', `endpoint ${spec.endpointKey} is missing or has no route.path`);
    firstDone();
    hidden(inv, 'final', Promise.resolve());
    return inv;
  }
  const traceId = crypto.randomBytes(16).toString('hex');
  const run = async () => {
    let prev = null;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        inv.state = 'retrying';
        if (!(await forge.sleep(forge.settings.retryDelayMs))) return finish('cancelled', 'fake reset');
        if (inst.status !== 'active') return finish('cancelled', 'installation uninstalled');
      }
      const retryContext = attempt === 0 ? null : { retryCount: attempt, retryReason: retryReason(prev), retryData: null };
      const { headers, note } = invocationHeaders(forge, inst, endpoint, { fitOpts: { kind: 'endpoint', endpointKey: spec.endpointKey }, traceId });
      const res = await sendRequest({
        url: inv.url, headers, body: JSON.stringify(spec.body(retryContext)), timeoutMs: spec.timeoutMs,
        maxResponseBytes: forge.settings.invokeResponseMaxBytes, track: forge.track,
      });
      inv.attempts.push({ attempt, time: new Date().toISOString(), retryContext, status: res.status, error: res.error, durationMs: res.durationMs, ...note });
      inv.status = res.status;
      inv.retryCount = attempt;
      if (attempt === 0) firstDone();
      if (res.error === 'cancelled') return finish('cancelled', 'fake reset');
      if (!res.error && is2xx(res.status)) return finish('delivered');
      forge.debug(`forge: invocation ${inv.id} (${inv.kind}) attempt ${attempt} failed: ${res.error || `HTTP ${res.status}`}`);
      if (!spec.retries || attempt >= forge.settings.maxRetries) return finish('failed', res.error || `HTTP ${res.status}`);
      prev = res;
    }
  };
  hidden(inv, 'final', run().catch((err) => finish('failed', String(err && err.message))).finally(() => firstDone()));
  return inv;
}

// The lifecycle event payload (§2.5). Ids are bare uuids as in the docs'
// examples; the FIT carries the ARIs. `extra` is merged in (null deletes).
function eventPayload(inst, event, extra = {}, actorAccountId = null) {
  const p = {
    id: inst.uuid,
    app: { id: inst.app.appUuid, version: inst.appVersion, name: inst.app.name },
    environment: { id: inst.app.envUuid },
    eventType: event,
  };
  if (event === 'avi:forge:installed:app' && actorAccountId) p.installerAccountId = actorAccountId;
  if (event === 'avi:forge:upgraded:app') {
    if (actorAccountId) p.upgraderAccountId = actorAccountId;
    p.permissions = { scopes: [...inst.scopes], external: {} };
  }
  for (const [k, v] of Object.entries(extra || {})) { if (v === null) delete p[k]; else p[k] = v; }
  return p;
}

const withRetry = (payload, retryContext) => (retryContext ? { ...payload, retryContext } : payload);

// One invocation per trigger module that lists the event.
function deliverLifecycle(forge, inst, event, { extra, actorAccountId } = {}) {
  const payload = eventPayload(inst, event, extra, actorAccountId);
  return (inst.modules.trigger || []).filter((t) => (t.events || []).includes(event)).map((t) => startDelivery(forge, inst, {
    kind: 'lifecycle', event, moduleKey: t.key, endpointKey: t.endpoint, retries: true, timeoutMs: forge.settings.triggerTimeoutMs,
    body: (rc) => ({ payload: withRetry(payload, rc), context: { cloudId: inst.cloudId, moduleKey: t.key } }),
  }));
}

// Scheduled trigger ticks: no user, a fresh system token, same retry rules.
function deliverTick(forge, inst, moduleKey) {
  const all = inst.modules.scheduledTrigger || [];
  const chosen = moduleKey ? all.filter((t) => t.key === moduleKey) : all;
  if (moduleKey && chosen.length === 0) throw new HttpError(404, { error: `no scheduledTrigger ${moduleKey}` });
  return chosen.map((t) => startDelivery(forge, inst, {
    kind: 'scheduled', moduleKey: t.key, endpointKey: t.endpoint, retries: true, timeoutMs: forge.settings.triggerTimeoutMs,
    body: (rc) => ({ payload: withRetry({}, rc), context: { cloudId: inst.cloudId, moduleKey: t.key } }),
  }));
}

// preUninstall: no retries, 55 s budget; the body is {context, contextToken}.
function deliverPreUninstall(forge, inst) {
  return (inst.modules.preUninstall || []).map((m) => {
    const contextToken = mintContextToken(forge, inst, m.key);
    return startDelivery(forge, inst, {
      kind: 'preUninstall', moduleKey: m.key, endpointKey: m.endpoint, retries: false, timeoutMs: forge.settings.preUninstallTimeoutMs,
      body: () => ({ context: { cloudId: inst.cloudId, moduleKey: m.key }, contextToken }),
      redact: (b) => ({ ...b, contextToken: '(redacted)' }),
    });
  });
}

// wait "none": answer at once; "first" (default): after the first attempt;
// "final": after delivery, the last retry, or cancellation.
function waitMode(v) {
  if (v === undefined) return 'first';
  if (!['none', 'first', 'final'].includes(v)) throw new HttpError(400, { error: 'wait must be "none", "first" or "final"' });
  return v;
}

async function waitFor(invocations, mode) {
  if (mode === 'none') return;
  await Promise.all(invocations.map((i) => (mode === 'first' ? i.first : i.final)));
}

module.exports = { InvocationLog, deliverLifecycle, deliverTick, deliverPreUninstall, invocationHeaders, waitMode, waitFor, hidden };
