'use strict';
// Jira sites the fake plays. A site lives under /sites/{name}; its base URL
// (origin + that prefix) is what the app sees as the tenant baseUrl.
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');
const { DevopsStore } = require('./devops-store');

const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const PROJECT_KEY = /^[A-Z][A-Z0-9_]{0,9}$/;

function createSite(spec, origin) {
  if (!spec || typeof spec.name !== 'string' || !SITE_NAME.test(spec.name)) {
    throw new HttpError(400, { error: 'site "name" must match [A-Za-z0-9][A-Za-z0-9_-]*' });
  }
  const projects = new Map();
  let nextId = 10000;
  for (const [key, count] of Object.entries(spec.projects || { ABC: 500, DEMO: 500 })) {
    if (!PROJECT_KEY.test(key)) throw new HttpError(400, { error: `bad project key ${key}` });
    const n = Number(count);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(400, { error: `project ${key}: issue count must be an integer >= 0` });
    projects.set(key, { id: String(nextId++), key, name: `${key} project`, issueCount: n });
  }
  return {
    name: spec.name,
    clientKey: spec.clientKey || crypto.randomUUID(),
    cloudId: spec.cloudId || crypto.randomUUID(),
    oauthClientId: crypto.randomBytes(16).toString('hex'),
    origin,
    projects,
    admins: new Set(spec.admins || []),
    installation: null, // set by the lifecycle driver or the direct-install shortcut
    lastAppBaseUrl: null,
    lifecycleLog: [],
    store: new DevopsStore(),
    get baseUrl() { return `${this.origin}/sites/${this.name}`; },
  };
}

// "ABC-12" exists when project ABC exists and 1 <= 12 <= its issue count.
// Keys are case-sensitive and must not have leading zeros (ABC-01 is unknown).
function issueExists(site, key) {
  const dash = key.lastIndexOf('-');
  if (dash <= 0) return false;
  const project = site.projects.get(key.slice(0, dash));
  if (!project) return false;
  const num = key.slice(dash + 1);
  if (!/^[1-9][0-9]{0,9}$/.test(num)) return false;
  return Number(num) <= project.issueCount;
}

function siteSummary(site) {
  const inst = site.installation;
  return {
    name: site.name,
    baseUrl: site.baseUrl,
    clientKey: site.clientKey,
    cloudId: site.cloudId,
    oauthClientId: site.oauthClientId,
    projects: Object.fromEntries([...site.projects.values()].map((p) => [p.key, p.issueCount])),
    admins: [...site.admins],
    installed: !!(inst && inst.sharedSecret),
    installation: inst && {
      appKey: inst.appKey,
      sharedSecret: inst.sharedSecret,
      descriptorBaseUrl: inst.descriptorBaseUrl,
      enabled: inst.enabled,
      scopes: [...inst.scopes],
      modules: [...inst.modules],
      installedAt: inst.installedAt,
      secretVersion: inst.secretVersion,
    },
    counts: { builds: site.store.builds.size, deployments: site.store.deployments.size },
  };
}

module.exports = { createSite, issueExists, siteSummary };
