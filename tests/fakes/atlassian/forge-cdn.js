'use strict';
// The stand-in Forge CDN: a second listener of the Atlassian fake (same host,
// its own port), because real Jira shows a Custom UI in a cross-origin iframe
// and the app must work under that: no cookies or storage shared with the
// page, postMessage as the only channel, and Forge's strict CSP.
//   GET {cdnOrigin}/_forge/cdn/{installation uuid}/{resource key}/{file}
//       a file of resourcesDir/<resource path>/; a folder -> its index.html,
//       with the bridge <script> injected first in <head>
//   GET {cdnOrigin}/_forge/bridge.js   the stand-in bridge (forge-bridge-core.js)
// Every answer carries the CSP and no-store. The fake's request log and faults
// cover this listener too (paths under /_forge/).
const fs = require('node:fs/promises');
const { Router } = require('../lib/router');
const { createServer } = require('../lib/server');
const { uuidOf, INSTALLATION_ARI } = require('./forge-registry');
const { resolveResourceFile, contentTypeOf } = require('./forge-cdn-files');
const { BRIDGE_JS } = require('./forge-bridge-core');

const FRAME_ID = /^[A-Za-z0-9_-]{1,64}$/;

// Like Forge's default Custom UI policy: only the CDN's own scripts and styles,
// and connect-src 'none', so a UI that calls the service directly (instead of
// through the bridge) fails in the browser tests as it would in Jira.
function csp(mainOrigin) {
  return ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "font-src 'self' data:", "connect-src 'none'", `frame-ancestors ${mainOrigin}`].join('; ');
}

function escapeAttr(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// The bridge tag goes first in <head> so it runs before any of the app's scripts.
function injectBridge(html, tag) {
  const at = (m) => m.index + m[0].length;
  const head = /<head(?:\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, at(head)) + tag + html.slice(at(head));
  const root = /<html(?:\s[^>]*)?>/i.exec(html);
  if (root) return `${html.slice(0, at(root))}<head>${tag}</head>${html.slice(at(root))}`;
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  return doctype ? html.slice(0, at(doctype)) + tag + html.slice(at(doctype)) : tag + html;
}

function createForgeCdn(state, { faults, log, debug = () => {} }) {
  const forge = state.forge;
  const headers = (extra = {}) => ({ 'Content-Security-Policy': csp(state.origin), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  const answer = (status, body, contentType, extra) => ({ status, headers: headers({ 'Content-Type': contentType, ...extra }), body });
  const notFound = (why = 'Not Found') => answer(404, why, 'text/plain; charset=utf-8');
  const decode = (s) => { try { return decodeURIComponent(s); } catch { return null; } };

  async function serveResource(ctx) {
    const m = /^\/_forge\/cdn\/([^/]+)\/([^/]+)(\/.*)?$/.exec(ctx.path);
    if (!m) return notFound();
    // An uninstalled installation's resources are gone with it.
    const inst = forge.registry.installations.get(uuidOf(decode(m[1]), INSTALLATION_ARI));
    if (!inst || inst.status !== 'active') return notFound('Not Found: no such installation');
    const resource = inst.app.resources.find((r) => r.key === decode(m[2]));
    if (!resource || !inst.app.resourcesDir) return notFound('Not Found: no such resource');
    const query = ctx.rawQuery ? `?${ctx.rawQuery}` : '';
    if (m[3] === undefined) return answer(301, '', 'text/plain; charset=utf-8', { Location: `${ctx.path}/${query}` });
    const found = await resolveResourceFile(inst.app.resourcesDir, resource.path, m[3].slice(1));
    if (!found) return notFound();
    if (found.redirect) return answer(301, '', 'text/plain; charset=utf-8', { Location: `${ctx.path}/${query}` });
    const type = contentTypeOf(found.file);
    let body = await fs.readFile(found.file);
    if (type.startsWith('text/html')) {
      const frameId = ctx.query.get('frameId');
      const tag = `<script src="/_forge/bridge.js" data-parent-origin="${escapeAttr(state.origin)}" data-frame-id="${escapeAttr(FRAME_ID.test(frameId || '') ? frameId : '')}"></script>`;
      body = injectBridge(body.toString('utf8'), tag);
    }
    return answer(200, body, type);
  }

  const router = new Router();
  // Any method, so that even a 405 carries the CSP.
  router.add('*', '/_forge/*rest', async (ctx) => {
    if (ctx.req.method !== 'GET') return answer(405, 'Method Not Allowed', 'text/plain; charset=utf-8', { Allow: 'GET' });
    try {
      if (ctx.path === '/_forge/bridge.js') return answer(200, BRIDGE_JS, 'text/javascript; charset=utf-8');
      return await serveResource(ctx);
    } catch (err) {
      debug(`forge cdn: ${err && err.stack}`);
      return answer(500, 'Internal Server Error', 'text/plain; charset=utf-8');
    }
  });
  const server = createServer({ router, faults, log, notFound: () => notFound(), onError: (err) => debug(`forge cdn: ${err && err.stack}`) });

  return {
    server,
    listen: (host) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve(server.address().port));
    }),
    close: () => new Promise((resolve) => {
      if (!server.listening) { resolve(); return; }
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

module.exports = { createForgeCdn, injectBridge, csp };
