'use strict';
// Lifecycle driver: plays Jira installing/uninstalling/enabling/disabling the
// app. It fetches the app descriptor, builds the callback payload and signs it
// the way Jira does (RS256 + kid for installed/uninstalled, HS256 with the
// shared secret for enabled/disabled). Variants produce deliberately bad
// requests for negative end-to-end tests; those never change the site state.
const crypto = require('node:crypto');
const jwt = require('atlassian-jwt');
const { HttpError } = require('../lib/http-error');

const NEGATIVE_VARIANTS = new Set(['hs256', 'unsigned', 'wrong-key', 'wrong-aud', 'iss-mismatch', 'expired', 'bad-kid', 'wrong-qsh', 'wrong-secret']);
const POSITIVE_VARIANTS = new Set(['aud-array', 'aud-trailing-slash']);
const TIMEOUT_MS = 10_000;

async function fetchDescriptor(appBaseUrl) {
  const url = `${appBaseUrl.replace(/\/+$/, '')}/atlassian-connect.json`;
  let res;
  try {
    res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new HttpError(502, { error: `descriptor fetch failed: ${err.message}`, url });
  }
  if (res.status !== 200) throw new HttpError(502, { error: `descriptor fetch answered ${res.status}`, url });
  let d;
  try { d = await res.json(); } catch { throw new HttpError(502, { error: 'descriptor is not JSON', url }); }
  if (!d || typeof d.key !== 'string' || typeof d.baseUrl !== 'string') {
    throw new HttpError(502, { error: 'descriptor lacks key/baseUrl', url });
  }
  return d;
}

function callbackUrl(descriptor, path) {
  return `${descriptor.baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
}

function qshFor(method, url, baseUrl) {
  return jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, url), false, baseUrl);
}

// Builds the Authorization header value (or null for "unsigned").
function signCallback({ event, variant, site, descriptor, url, otherUrl, secret, keys }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: site.clientKey, iat: now, exp: now + 180, qsh: qshFor('POST', url, descriptor.baseUrl) };
  const asymmetric = event === 'installed' || event === 'uninstalled';
  if (asymmetric) claims.aud = descriptor.baseUrl;
  if (variant === 'wrong-aud') claims.aud = 'https://evil.example.com/app';
  if (variant === 'aud-array') claims.aud = [descriptor.baseUrl];
  if (variant === 'aud-trailing-slash') claims.aud = `${descriptor.baseUrl.replace(/\/+$/, '')}/`;
  if (variant === 'iss-mismatch') claims.iss = crypto.randomUUID();
  if (variant === 'expired') { claims.iat = now - 600; claims.exp = now - 420; }
  if (variant === 'wrong-qsh') claims.qsh = qshFor('POST', otherUrl, descriptor.baseUrl);
  if (variant === 'unsigned') return { header: null, claims, jwtHeader: null };
  if (variant === 'hs256' || !asymmetric) {
    const key = variant === 'wrong-secret' ? crypto.randomBytes(24).toString('base64url') : secret;
    return { header: `JWT ${jwt.encodeSymmetric(claims, key, 'HS256')}`, claims, jwtHeader: { typ: 'JWT', alg: 'HS256' } };
  }
  const current = keys.current();
  const kid = variant === 'bad-kid' ? '../x' : current.kid;
  const privateKey = variant === 'wrong-key' ? keys.rogue.privatePem : current.privatePem;
  return {
    header: `JWT ${jwt.encodeAsymmetric(claims, privateKey, 'RS256', { kid })}`,
    claims,
    jwtHeader: { typ: 'JWT', alg: 'RS256', kid },
  };
}

function buildPayload(event, site, descriptor, sharedSecret) {
  const payload = {
    key: descriptor.key,
    clientKey: site.clientKey,
    ...(event === 'installed' ? { sharedSecret } : {}),
    serverVersion: '100277',
    pluginsVersion: '1001.0.0-SNAPSHOT',
    baseUrl: site.baseUrl,
    displayUrl: site.baseUrl,
    displayUrlServicedeskHelpCenter: site.baseUrl,
    productType: 'jira',
    description: `Atlassian JIRA at ${site.baseUrl}`,
    eventType: event,
    oauthClientId: site.oauthClientId,
  };
  return payload;
}

async function postCallback(url, payload, authHeader) {
  const headers = { 'Content-Type': 'application/json', 'User-Agent': 'atlassian-connect-fake/1.0' };
  if (authHeader) headers.Authorization = authHeader;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload), redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = (await res.text()).slice(0, 65536);
    let body = text;
    try { body = JSON.parse(text); } catch { /* keep text */ }
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, body: null, error: err.message };
  }
}

// event: installed | uninstalled | enabled | disabled
async function driveLifecycle(state, site, event, opts = {}) {
  const variant = opts.variant || null;
  if (variant && !NEGATIVE_VARIANTS.has(variant) && !POSITIVE_VARIANTS.has(variant)) {
    throw new HttpError(400, { error: `unknown variant ${variant}` });
  }
  const appBaseUrl = opts.appBaseUrl || site.lastAppBaseUrl;
  if (!appBaseUrl) throw new HttpError(409, { error: 'no app known for this site: pass appBaseUrl' });
  const descriptor = event === 'installed' || opts.appBaseUrl || !site.lastDescriptor
    ? await fetchDescriptor(appBaseUrl) : site.lastDescriptor;
  const path = descriptor.lifecycle && descriptor.lifecycle[event];
  if (typeof path !== 'string') throw new HttpError(409, { error: `descriptor declares no lifecycle.${event}` });
  const inst = site.installation;
  if ((event === 'enabled' || event === 'disabled') && !(inst && inst.sharedSecret)) {
    throw new HttpError(409, { error: `cannot send ${event}: app not installed` });
  }
  const newSecret = event === 'installed' ? crypto.randomBytes(32).toString('base64url') : null;
  const url = callbackUrl(descriptor, path);
  const payload = buildPayload(event, site, descriptor, newSecret);
  const hsSecret = event === 'installed' ? ((inst && inst.sharedSecret) || newSecret) : inst && inst.sharedSecret;
  // For "wrong-qsh": a hash of another lifecycle URL (uninstalled for installed and vice versa).
  const other = { installed: 'uninstalled', uninstalled: 'installed', enabled: 'disabled', disabled: 'enabled' }[event];
  const otherPath = descriptor.lifecycle && descriptor.lifecycle[other];
  const otherUrl = typeof otherPath === 'string' && otherPath !== path ? callbackUrl(descriptor, otherPath) : `${url}-other`;
  const signed = signCallback({ event, variant, site, descriptor, url, otherUrl, secret: hsSecret, keys: state.keys });
  const answer = await postCallback(url, payload, signed.header);
  const ok = answer.status >= 200 && answer.status < 300;
  const changesState = !NEGATIVE_VARIANTS.has(variant);

  if (changesState) applyEvent(site, event, { ok, descriptor, appBaseUrl, newSecret });
  const record = {
    time: new Date().toISOString(), event, variant, url, status: answer.status, error: answer.error || null,
    jwtHeader: signed.jwtHeader, jwtClaims: signed.claims, payload: { ...payload, ...(newSecret ? { sharedSecret: '(redacted)' } : {}) },
    stored: changesState && ok && event === 'installed',
  };
  site.lifecycleLog.push(record);
  return { status: answer.status, body: answer.body, error: answer.error || null, stored: record.stored, sent: { url, payload, jwtHeader: signed.jwtHeader, jwtClaims: signed.claims } };
}

function applyEvent(site, event, { ok, descriptor, appBaseUrl, newSecret }) {
  if (event === 'installed') {
    if (!ok) return; // Jira aborts the install; an existing installation stays as it was
    const prev = site.installation;
    site.installation = installationFrom(descriptor, newSecret, prev);
    site.lastAppBaseUrl = appBaseUrl;
    site.lastDescriptor = descriptor;
  } else if (event === 'uninstalled') {
    // Jira removes the app whatever the app answers, and drops its data.
    if (site.installation) site.store.deleteProvider(`connect:${site.installation.appKey}`);
    site.installation = null;
  } else if (ok && site.installation) {
    site.installation.enabled = event === 'enabled';
  }
}

function installationFrom(descriptor, sharedSecret, prev) {
  const modules = descriptor.modules && typeof descriptor.modules === 'object' ? Object.keys(descriptor.modules) : [];
  return {
    appKey: descriptor.key,
    sharedSecret,
    descriptorBaseUrl: descriptor.baseUrl,
    scopes: new Set((descriptor.scopes || ['READ']).map((s) => String(s).toUpperCase())),
    modules: new Set(modules),
    enabled: true,
    installedAt: new Date().toISOString(),
    secretVersion: prev && prev.appKey === descriptor.key ? prev.secretVersion + 1 : 1,
  };
}

module.exports = { driveLifecycle, installationFrom, NEGATIVE_VARIANTS, POSITIVE_VARIANTS };
