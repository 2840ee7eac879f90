'use strict';
// The parts of a Forge manifest the fake needs (jira-auth-paths.md §2.1):
// modules by type (arrays of {key, ...}), endpoint routes and auth flags, the
// scopes, and the Custom UI resources ({key, path}; a UI module names one with
// `resource`). The defaults mirror the project's forge/manifest.yml.in (module
// keys, routes, scopes), so a test can register an app with nothing but its
// remoteBaseUrl. The fake has one remote per app, so an endpoint's `remote`
// key is accepted and ignored.
const { HttpError } = require('../lib/http-error');

const provider = (key) => ({ key, name: { value: 'TeamCity' }, homeUrl: 'https://our-service.example' });
const routed = (key, path) => ({ key, remote: 'tc-backend', route: { path }, auth: { appSystemToken: { enabled: true } } });

const DEFAULT_MODULES = {
  'devops:buildInfoProvider': [provider('tc-builds')],
  'devops:deploymentInfoProvider': [provider('tc-deployments')],
  'jira:adminPage': [
    { key: 'tc-config', title: 'TeamCity for Jira settings', resource: 'admin-ui', resolver: { endpoint: 'remote-ui' }, useAsConfig: true },
    { key: 'tc-admin', title: 'TeamCity', resource: 'admin-ui', resolver: { endpoint: 'remote-ui' } },
  ],
  'jira:issuePanel': [{ key: 'tc-issue-panel', title: 'TeamCity builds', resource: 'issue-panel-ui', resolver: { endpoint: 'remote-ui' } }],
  trigger: [{ key: 'tc-lifecycle', endpoint: 'remote-lifecycle', events: ['avi:forge:installed:app', 'avi:forge:upgraded:app'] }],
  scheduledTrigger: [{ key: 'tc-token-tick', endpoint: 'remote-tick', interval: 'hour' }],
  preUninstall: [{ key: 'tc-pre-uninstall', endpoint: 'remote-pre-uninstall' }],
  endpoint: [
    { key: 'remote-ui', remote: 'tc-backend', auth: { appSystemToken: { enabled: true }, appUserToken: { enabled: true } } },
    routed('remote-lifecycle', '/forge/lifecycle'),
    routed('remote-tick', '/forge/tick'),
    routed('remote-pre-uninstall', '/forge/pre-uninstall'),
  ],
};

const DEFAULT_SCOPES = [
  'write:build-info:jira', 'read:build-info:jira', 'delete:build-info:jira',
  'write:deployment-info:jira', 'read:deployment-info:jira', 'delete:deployment-info:jira',
  'read:app-system-token', 'read:app-user-token', 'read:jira-work',
];

// forge/manifest.yml.in's `resources`: folders relative to the app's resourcesDir.
const DEFAULT_RESOURCES = [
  { key: 'admin-ui', path: 'static/admin' },
  { key: 'issue-panel-ui', path: 'static/issue-panel' },
];

const TOKEN_SCOPES = new Set(['read:app-system-token', 'read:app-user-token']);

function checkModules(modules) {
  if (!modules || typeof modules !== 'object' || Array.isArray(modules)) throw new HttpError(400, { error: 'modules must be an object of module type -> array' });
  for (const [type, list] of Object.entries(modules)) {
    if (!Array.isArray(list) || list.some((m) => !m || typeof m.key !== 'string')) {
      throw new HttpError(400, { error: `modules.${type} must be an array of objects with a string "key"` });
    }
  }
  for (const e of modules.endpoint || []) {
    if (e.route !== undefined && (typeof e.route !== 'object' || typeof e.route.path !== 'string')) {
      throw new HttpError(400, { error: `endpoint ${e.key}: route.path must be a string` });
    }
  }
  return JSON.parse(JSON.stringify(modules));
}

function checkScopes(scopes) {
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string')) throw new HttpError(400, { error: 'scopes must be an array of strings' });
  return [...scopes];
}

const RESOURCE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

// A resource path stays inside resourcesDir: relative, '/'-separated, no '.' or
// '..' segments (the CDN refuses to leave the folder anyway; this catches the
// mistake when the app is registered).
function checkResources(resources) {
  if (!Array.isArray(resources)) throw new HttpError(400, { error: 'resources must be an array of {key, path}' });
  const seen = new Set();
  return resources.map((r) => {
    if (!r || typeof r.key !== 'string' || !RESOURCE_KEY.test(r.key)) throw new HttpError(400, { error: 'resources[].key must match [A-Za-z0-9_-]{1,64}' });
    if (seen.has(r.key)) throw new HttpError(400, { error: `resource key ${r.key} is declared twice` });
    seen.add(r.key);
    const segs = typeof r.path === 'string' ? r.path.replace(/\/+$/, '').split('/') : [];
    if (!segs.length || segs.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
      throw new HttpError(400, { error: `resource ${r.key}: path must be a relative folder path without . or .. segments` });
    }
    return { key: r.key, path: segs.join('/') };
  });
}

// Every UI module's `resource` must be declared, as `forge lint` demands.
function checkModuleResources(modules, resources) {
  const keys = new Set(resources.map((r) => r.key));
  for (const [type, list] of Object.entries(modules)) {
    for (const m of list) {
      if (m.resource !== undefined && !keys.has(m.resource)) {
        throw new HttpError(400, { error: `${type} ${m.key}: resource ${m.resource} is not declared in resources` });
      }
    }
  }
}

// A UI module (any type but endpoint) by key, with its type.
function uiModuleByKey(modules, key) {
  for (const [type, list] of Object.entries(modules)) {
    if (type === 'endpoint') continue;
    const m = list.find((x) => x.key === key);
    if (m) return { type, module: m };
  }
  return null;
}

const endpointByKey = (modules, key) => (modules.endpoint || []).find((e) => e.key === key) || null;
const hasModule = (modules, type) => Array.isArray(modules[type]) && modules[type].length > 0;

// Token headers are sent when the endpoint asks for them, the scope to read
// them is granted, and at least one product scope exists besides the
// read:app-*-token scopes (otherwise Forge mints no token).
function tokenKinds(endpoint, scopes) {
  const auth = (endpoint && endpoint.auth) || {};
  const granted = new Set(scopes);
  const productScope = scopes.some((s) => !TOKEN_SCOPES.has(s));
  return {
    system: !!(auth.appSystemToken && auth.appSystemToken.enabled) && granted.has('read:app-system-token') && productScope,
    user: !!(auth.appUserToken && auth.appUserToken.enabled) && granted.has('read:app-user-token') && productScope,
  };
}

module.exports = {
  DEFAULT_MODULES, DEFAULT_SCOPES, DEFAULT_RESOURCES, checkModules, checkScopes, checkResources, checkModuleResources,
  uiModuleByKey, endpointByKey, hasModule, tokenKinds,
};
