'use strict';
// The parts of a Forge manifest the fake needs (jira-auth-paths.md §2.1):
// modules by type (arrays of {key, ...}), endpoint routes and auth flags, and
// the scopes. The defaults mirror the project's forge/manifest.yml.in (module
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

module.exports = { DEFAULT_MODULES, DEFAULT_SCOPES, checkModules, checkScopes, endpointByKey, hasModule, tokenKinds };
