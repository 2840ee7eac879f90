'use strict';
// Forge apps (one record per app environment) and their installations on the
// fake's Jira sites. An installation copies the app's version, modules and
// scopes when it is made (what the admin approved); an upgrade changes them.
// Reinstall = uninstall + install: a new installation id, the same cloudId.
// The Custom UI resources (manifest `resources` + the folder they are read
// from) stay on the app: like remoteBaseUrl they apply to every installation
// at once, so a test can point the app at a freshly built bundle.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { HttpError } = require('../lib/http-error');
const {
  DEFAULT_MODULES, DEFAULT_SCOPES, DEFAULT_RESOURCES, checkModules, checkScopes, checkResources, checkModuleResources,
} = require('./forge-manifest');

const APP_ARI = 'ari:cloud:ecosystem::app/';
const INSTALLATION_ARI = 'ari:cloud:ecosystem::installation/';
const ENV_ARI = 'ari:cloud:ecosystem::environment/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENV_TYPES = ['DEVELOPMENT', 'STAGING', 'PRODUCTION'];

// Accepts "<prefix><uuid>" or a bare uuid; returns the lower-case uuid or null.
function uuidOf(id, prefix) {
  if (typeof id !== 'string') return null;
  const bare = id.startsWith(prefix) ? id.slice(prefix.length) : id;
  return UUID.test(bare) ? bare.toLowerCase() : null;
}

// Environment ids are given as a uuid or as the ARI .../environment/<app>/<env>.
const envUuidOf = (id) => (typeof id === 'string' ? uuidOf(id.split('/').pop(), '') : null);

function checkUrl(v) {
  let u;
  try { u = new URL(v); } catch { throw new HttpError(400, { error: 'remoteBaseUrl must be an absolute http(s) URL' }); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HttpError(400, { error: 'remoteBaseUrl must be http(s)' });
  return String(v);
}

// The folder the manifest's resources[].path are relative to: an absolute
// path of an existing directory, or null (the app then has no Custom UI).
function checkResourcesDir(v) {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || !path.isAbsolute(v)) throw new HttpError(400, { error: 'resourcesDir must be an absolute path' });
  let st;
  try { st = fs.statSync(v); } catch { throw new HttpError(400, { error: `resourcesDir ${v} does not exist` }); }
  if (!st.isDirectory()) throw new HttpError(400, { error: `resourcesDir ${v} is not a directory` });
  return path.resolve(v);
}

class ForgeRegistry {
  constructor() { this.reset(); }

  reset() {
    this.apps = new Map(); // "<appUuid>/<envUuid>" -> app
    this.installations = new Map(); // installation uuid -> installation
  }

  registerApp(spec = {}) {
    const appUuid = spec.appId === undefined ? crypto.randomUUID() : uuidOf(spec.appId, APP_ARI);
    if (!appUuid) throw new HttpError(400, { error: `appId must be ${APP_ARI}<uuid> or a uuid` });
    const env = spec.environment || {};
    const envType = env.type === undefined ? 'PRODUCTION' : env.type;
    if (!ENV_TYPES.includes(envType)) throw new HttpError(400, { error: `environment.type must be one of ${ENV_TYPES.join(', ')}` });
    const envUuid = env.id === undefined ? crypto.randomUUID() : envUuidOf(env.id);
    if (!envUuid) throw new HttpError(400, { error: 'environment.id must be a uuid or an environment ARI' });
    const key = `${appUuid}/${envUuid}`;
    if (this.apps.has(key)) throw new HttpError(409, { error: `app ${appUuid} environment ${envUuid} is already registered` });
    if (typeof spec.remoteBaseUrl !== 'string') throw new HttpError(400, { error: 'remoteBaseUrl is required' });
    const app = {
      appUuid, envUuid,
      appId: `${APP_ARI}${appUuid}`,
      environment: { type: envType, id: `${ENV_ARI}${appUuid}/${envUuid}` },
      remoteBaseUrl: checkUrl(spec.remoteBaseUrl),
      appVersion: String(spec.appVersion || '1.0.0'),
      name: String(spec.name || 'TeamCity for Jira'),
      modules: checkModules(spec.modules === undefined ? DEFAULT_MODULES : spec.modules),
      scopes: checkScopes(spec.scopes === undefined ? DEFAULT_SCOPES : spec.scopes),
      resources: checkResources(spec.resources === undefined ? DEFAULT_RESOURCES : spec.resources),
      resourcesDir: checkResourcesDir(spec.resourcesDir),
      license: spec.license && typeof spec.license === 'object' ? spec.license : null,
      registeredAt: new Date().toISOString(),
    };
    checkModuleResources(app.modules, app.resources);
    this.apps.set(key, app);
    return app;
  }

  // One app environment; environmentId may be omitted when the app has one.
  resolveApp(appId, environmentId) {
    const appUuid = uuidOf(appId, APP_ARI);
    const all = [...this.apps.values()].filter((a) => a.appUuid === appUuid);
    const envUuid = environmentId === undefined ? null : envUuidOf(environmentId);
    const found = envUuid ? all.filter((a) => a.envUuid === envUuid) : all;
    if (found.length === 0) throw new HttpError(404, { error: `no app ${appId}${environmentId ? ` environment ${environmentId}` : ''}` });
    if (found.length > 1) throw new HttpError(409, { error: `app ${appId} has ${found.length} environments: pass environmentId` });
    return found[0];
  }

  install(app, site, { installerAccountId = null, settleMs = 0, previousInstallationId = null } = {}) {
    for (const i of this.installations.values()) {
      if (i.status === 'active' && i.app === app && i.cloudId === site.cloudId) {
        throw new HttpError(409, { error: `app is already installed on ${site.name} as ${i.id}` });
      }
    }
    const uuid = crypto.randomUUID();
    const now = Date.now();
    const inst = {
      uuid, id: `${INSTALLATION_ARI}${uuid}`, app, siteName: site.name, cloudId: site.cloudId,
      appVersion: app.appVersion, modules: JSON.parse(JSON.stringify(app.modules)), scopes: [...app.scopes],
      status: 'active', installedAt: new Date(now).toISOString(), uninstalledAt: null, settleUntil: now + settleMs,
      installerAccountId, systemAccountId: `712020:${crypto.randomUUID()}`, previousInstallationId,
    };
    this.installations.set(uuid, inst);
    return inst;
  }

  installation(id) {
    const inst = this.installations.get(uuidOf(id, INSTALLATION_ARI));
    if (!inst) throw new HttpError(404, { error: `no installation ${id}` });
    return inst;
  }

  // Another active installation of the same app environment (for the
  // "other-installation" FIT variant), newest first.
  otherInstallation(inst) {
    const others = [...this.installations.values()].filter((i) => i !== inst && i.app === inst.app && i.status === 'active');
    return others.length ? others[others.length - 1] : null;
  }
}

function appSummary(app) {
  return {
    appId: app.appId, environment: app.environment, environmentId: app.envUuid, remoteBaseUrl: app.remoteBaseUrl,
    appVersion: app.appVersion, name: app.name, modules: app.modules, scopes: app.scopes, resources: app.resources,
    resourcesDir: app.resourcesDir, license: app.license, registeredAt: app.registeredAt,
  };
}

function installationSummary(inst, origin) {
  return {
    id: inst.id, uuid: inst.uuid, appId: inst.app.appId, environment: inst.app.environment, environmentId: inst.app.envUuid,
    site: inst.siteName, cloudId: inst.cloudId, apiBaseUrl: `${origin}/ex/jira/${inst.cloudId}`,
    appVersion: inst.appVersion, scopes: inst.scopes, modules: inst.modules, status: inst.status,
    installedAt: inst.installedAt, uninstalledAt: inst.uninstalledAt,
    permissionsSettleAt: new Date(inst.settleUntil).toISOString(),
    installerAccountId: inst.installerAccountId, systemAccountId: inst.systemAccountId,
    previousInstallationId: inst.previousInstallationId, provider: `forge:${inst.id}`,
  };
}

module.exports = { ForgeRegistry, appSummary, installationSummary, checkResourcesDir, uuidOf, envUuidOf, APP_ARI, INSTALLATION_ARI };
