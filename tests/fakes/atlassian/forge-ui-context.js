'use strict';
// The context Forge gives a UI module, in one place: the FIT's `context` claim
// of an invokeRemote call and what @forge/bridge's view.getContext() returns on
// the stand-in Forge page describe the same module and issue, so a UI and the
// remote it calls can never be shown two different stories.
const crypto = require('node:crypto');
const { HttpError } = require('../lib/http-error');

// Stable per installation and module, uuid-shaped like the docs' example.
function localIdFor(inst, moduleKey) {
  const h = crypto.createHash('sha256').update(`${inst.uuid}/${moduleKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function moduleTypeOf(modules, key) {
  for (const [type, list] of Object.entries(modules)) if (list.some((m) => m.key === key)) return type;
  return null;
}

// {type, key, context: {localId, cloudId, moduleKey, siteUrl, extension}} of a
// UI module (default: the first jira:adminPage). issueKey: the issue a
// jira:issuePanel is shown on (ignored for other module types).
function uiModuleContext(forge, inst, { moduleKey, issueKey } = {}) {
  const key = moduleKey || ((inst.modules['jira:adminPage'] || [])[0] || {}).key;
  const type = moduleTypeOf(inst.modules, key);
  if (!type) throw new HttpError(409, { error: `installation has no UI module ${key}` });
  const site = forge.siteOf(inst);
  const extension = { type };
  if (type === 'jira:issuePanel' && issueKey) {
    // As Forge describes the issue a panel is shown on (the id is made up: the fake has no issues).
    const projectKey = String(issueKey).split('-')[0];
    extension.issue = { key: issueKey, id: String(10000 + (parseInt(String(issueKey).split('-')[1], 10) || 0)), type: 'Task' };
    extension.project = { key: projectKey, type: 'software' };
    extension.isNewToIssue = false;
  }
  return {
    type, key,
    context: { localId: localIdFor(inst, key), cloudId: inst.cloudId, moduleKey: key, siteUrl: site ? site.baseUrl : null, extension },
  };
}

// What view.getContext() resolves to in the module's frame: the FIT context plus
// the viewer and the environment. Locale and timezone are fixed (the fake has no
// user profiles).
function viewContext(forge, inst, { moduleKey, issueKey, accountId } = {}) {
  const { context } = uiModuleContext(forge, inst, { moduleKey, issueKey });
  return {
    accountId: accountId || null,
    cloudId: context.cloudId,
    siteUrl: context.siteUrl,
    moduleKey: context.moduleKey,
    localId: context.localId,
    environmentType: inst.app.environment.type,
    environmentId: inst.app.envUuid,
    locale: 'en-US',
    timezone: 'UTC',
    extension: context.extension,
  };
}

module.exports = { uiModuleContext, viewContext, localIdFor, moduleTypeOf };
