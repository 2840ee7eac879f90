'use strict';
// Stand-in Jira pages showing a Forge Custom UI module, for browser tests:
//   GET /_jira/sites/{site}/forge/{moduleKey}?accountId=&issueKey=&width=&appId=&environmentId=
//       a Jira-looking page framing {cdnOrigin}/_forge/cdn/{inst}/{resource}/index.html
//       (forge-cdn.js) of the site's active installation
//   GET /_jira/forge-host.js
//       the page's script: answers the frame's callBridge calls
//       (forge-host-core.js) and sizes the frame
// The page is on the fake's main origin and the frame on the CDN origin, so the
// two only talk by postMessage, each checking the other's window and origin.
const crypto = require('node:crypto');
const { text } = require('../lib/respond');
const { HttpError } = require('../lib/http-error');
const { uuidOf, envUuidOf, APP_ARI } = require('./forge-registry');
const { uiModuleByKey } = require('./forge-manifest');
const { viewContext } = require('./forge-ui-context');
const { createForgeHost } = require('./forge-host-core');
const { page } = require('./jira-pages');

const ISSUE_KEY = /^[A-Z][A-Z0-9_]*-[1-9][0-9]*$/;

const HOST_JS = `'use strict';
// The stand-in Jira page's half of the stand-in Forge bridge (tests only; see tests/fakes/README.md).
(function () {
  var createForgeHost = ${createForgeHost.toString()};
  var frame = document.getElementById('app-frame');
  var data = document.body.dataset;
  var host = createForgeHost({
    controlOrigin: '', installation: data.installation, accountId: data.accountId, moduleKey: data.moduleKey,
    issueKey: data.issueKey || null, context: JSON.parse(data.forgeContext), fetch: window.fetch.bind(window),
    setHeight: function (h) { frame.style.height = h + 'px'; }
  });
  window.__fakeForge = host.record;
  host.listen(window, function () { return frame.contentWindow; }, data.cdnOrigin, data.frameId);
  // Only now: a frame loaded earlier could call before anyone listens.
  frame.src = frame.getAttribute('data-src');
})();
`;

// The site's active installation (of appId / environmentId when given).
function pickInstallation(forge, site, appId, environmentId) {
  const appUuid = appId ? uuidOf(appId, APP_ARI) : null;
  if (appId && !appUuid) throw new HttpError(400, { error: `appId must be ${APP_ARI}<uuid> or a uuid` });
  const envUuid = environmentId ? envUuidOf(environmentId) : null;
  const found = [...forge.registry.installations.values()].filter((i) => i.status === 'active' && i.cloudId === site.cloudId
    && (!appUuid || i.app.appUuid === appUuid) && (!envUuid || i.app.envUuid === envUuid));
  if (found.length === 0) throw new HttpError(409, { error: `site ${site.name} has no active Forge installation${appId ? ` of app ${appId}` : ''}` });
  if (found.length > 1) {
    throw new HttpError(409, { error: `site ${site.name} has ${found.length} active Forge installations (${found.map((i) => i.uuid).join(', ')}): pass appId (and environmentId)` });
  }
  return found[0];
}

// The module, its resource and the issue it is shown on; 404/409/400 as documented.
function frameTarget(inst, moduleKey, issueKey) {
  const found = uiModuleByKey(inst.modules, moduleKey);
  if (!found) throw new HttpError(404, { error: `installation ${inst.uuid} has no UI module ${moduleKey}` });
  if (!found.module.resource) throw new HttpError(404, { error: `module ${moduleKey} has no resource (not a Custom UI module)` });
  const resource = inst.app.resources.find((r) => r.key === found.module.resource);
  if (!resource) throw new HttpError(409, { error: `resource ${found.module.resource} is not declared in the app's resources` });
  if (!inst.app.resourcesDir) {
    throw new HttpError(409, { error: `app ${inst.app.appId} has no resourcesDir: POST /_control/forge/apps/{appId} {"resourcesDir": "/abs/path"}` });
  }
  if (found.type === 'jira:issuePanel' && !issueKey) throw new HttpError(400, { error: `issueKey is required for the ${found.type} ${moduleKey}` });
  if (found.type !== 'jira:issuePanel' && issueKey) throw new HttpError(400, { error: `issueKey is only for a jira:issuePanel; ${moduleKey} is a ${found.type}` });
  if (issueKey && !ISSUE_KEY.test(issueKey)) throw new HttpError(400, { error: `issueKey ${issueKey} is not an issue key (ABC-12)` });
  return { ...found, resource };
}

function addForgePageRoutes(router, state) {
  const forge = state.forge;
  router.add('GET', '/_jira/forge-host.js', async () => text(200, HOST_JS, 'application/javascript; charset=utf-8', { 'Cache-Control': 'no-store' }));

  router.add('GET', '/_jira/sites/:site/forge/:moduleKey', async (ctx) => {
    const q = ctx.query;
    const site = state.siteOr404(ctx.params.site);
    const inst = pickInstallation(forge, site, q.get('appId'), q.get('environmentId'));
    const moduleKey = ctx.params.moduleKey;
    const issueKey = q.get('issueKey') || null;
    const { module, resource } = frameTarget(inst, moduleKey, issueKey);
    const accountId = q.get('accountId') || [...site.admins][0];
    if (!accountId) throw new HttpError(400, { error: 'accountId is required (the site has no admins)' });
    if (!state.cdnOrigin) throw new HttpError(409, { error: 'the stand-in Forge CDN is not listening' });
    const frameId = crypto.randomBytes(8).toString('hex');
    const frameUrl = `${state.cdnOrigin}/_forge/cdn/${inst.uuid}/${resource.key}/index.html?frameId=${frameId}`;
    const context = viewContext(forge, inst, { moduleKey, issueKey, accountId });
    const title = issueKey ? `${issueKey}: ${module.title || moduleKey}` : module.title || moduleKey;
    const html = page({
      title, site, width: q.get('width'), frameUrl, frameSrcAttr: 'data-src', hostScript: '/_jira/forge-host.js',
      data: {
        accountId, cdnOrigin: state.cdnOrigin, installation: inst.uuid, moduleKey, issueKey: issueKey || '', frameId,
        forgeContext: JSON.stringify(context),
      },
    });
    return text(200, html, 'text/html; charset=utf-8');
  });
}

module.exports = { addForgePageRoutes, pickInstallation, frameTarget };
