'use strict';
// invokeRemote from a Custom UI module (@forge/bridge, jira-auth-paths.md §2.2,
// §2.6): any method to remoteBaseUrl + path (URL-standard resolution), the
// caller's JSON body, a UI FIT (principal + context), system and user tokens,
// 25 s timeout, no retries, request <= 500 KB and response <= 5 MB. The answer
// is what the bridge promise would give the UI: resolved {status, headers, body}
// or rejected with a reason.
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');
const { endpointByKey } = require('./forge-manifest');
const { invocationHeaders } = require('./forge-invoke');
const { sendRequest, parseBody } = require('./forge-http');

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const RESERVED = new Set(['authorization', 'x-b3-traceid', 'x-b3-spanid', 'x-forge-oauth-system', 'x-forge-oauth-user', 'content-length', 'host']);

function uiModule(inst, moduleKey) {
  for (const [type, list] of Object.entries(inst.modules)) {
    if (type === 'endpoint') continue;
    const m = list.find((x) => (moduleKey ? x.key === moduleKey : type === 'jira:adminPage') && x.resolver && x.resolver.endpoint);
    if (m) return m;
  }
  throw new HttpError(409, { error: `no UI module ${moduleKey || 'jira:adminPage'} with resolver.endpoint` });
}

// The rules the bridge applies to the remote's answer; null = resolve.
function rejection(res) {
  if (res.error === 'timeout') return 'timeout';
  if (res.error === 'response-too-large') return 'response too large';
  if (res.error) return `network error: ${res.error}`;
  if (res.status >= 300 && res.status < 400) return 'redirects are not supported';
  if (res.status === 401) return 'Remote could not verify the Forge Invocation Token';
  if (res.status >= 200 && res.status < 300) return null;
  const ct = res.headers['content-type'];
  if (ct !== undefined && !/^application\/json\b/i.test(ct)) return `bad content type ${ct}`;
  const parsed = parseBody(res.body);
  if (parsed === null || typeof parsed === 'string') return 'non-2xx response without a JSON body';
  return null;
}

// req: {method, path, body, headers, accountId, moduleKey, issueKey (an issue panel's issue)}
async function invokeRemote(forge, inst, req) {
  const method = String(req.method || 'POST').toUpperCase();
  if (!METHODS.includes(method)) throw new HttpError(400, { error: `method must be one of ${METHODS.join(', ')}` });
  if (typeof req.path !== 'string') throw new HttpError(400, { error: 'path is required' });
  const site = forge.siteOf(inst);
  const accountId = req.accountId || (site && [...site.admins][0]);
  if (!accountId) throw new HttpError(400, { error: 'accountId is required (the site has no admins)' });
  const module = uiModule(inst, req.moduleKey);
  const endpoint = endpointByKey(inst.modules, module.resolver.endpoint);
  if (!endpoint) throw new HttpError(409, { error: `endpoint ${module.resolver.endpoint} is not declared` });
  let url;
  try { url = new URL(req.path, inst.app.remoteBaseUrl).toString(); } catch { throw new HttpError(400, { error: 'path does not resolve against remoteBaseUrl' }); }
  const bodyText = req.body === undefined || req.body === null ? null : JSON.stringify(req.body);
  const bytes = bodyText === null ? 0 : Buffer.byteLength(bodyText);

  const inv = forge.invocations.add({
    kind: 'ui', event: null, moduleKey: module.key, endpointKey: endpoint.key, installationId: inst.id, installationUuid: inst.uuid,
    cloudId: inst.cloudId, method, url, accountId, requestBytes: bytes,
  });
  const finish = (res, error) => {
    inv.state = error ? 'rejected' : 'resolved';
    inv.error = error;
    inv.status = res ? res.status : null;
    inv.finishedAt = new Date().toISOString();
    const body = res && res.body ? parseBody(res.body) : null;
    return { outcome: inv.state, error, status: inv.status, headers: res ? res.headers : null, body, invocationId: inv.id };
  };
  if (bytes > forge.settings.invokeRequestMaxBytes) {
    return finish(null, `request payload too large: ${bytes} bytes > ${forge.settings.invokeRequestMaxBytes}`);
  }
  const extra = {};
  for (const [k, v] of Object.entries(req.headers || {})) if (!RESERVED.has(k.toLowerCase())) extra[k.toLowerCase()] = String(v);
  const { headers, note } = invocationHeaders(forge, inst, endpoint, {
    fitOpts: { kind: 'ui', moduleKey: module.key, accountId, issueKey: req.issueKey }, accountId, traceId: crypto.randomBytes(16).toString('hex'), extra,
  });
  if (bodyText === null) delete headers['content-type'];
  const res = await sendRequest({
    url, method, headers, body: bodyText, timeoutMs: forge.settings.uiTimeoutMs, maxResponseBytes: forge.settings.invokeResponseMaxBytes, track: forge.track,
  });
  inv.attempts.push({ attempt: 0, time: new Date().toISOString(), retryContext: null, status: res.status, error: res.error, durationMs: res.durationMs, ...note });
  return finish(res, rejection(res));
}

module.exports = { invokeRemote };
