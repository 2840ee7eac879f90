'use strict';
// Stand-ins for the Jira pages that frame the app, for browser tests:
//   GET /_jira/sites/{site}/configure?accountId=acc-admin[&width=600]   the app's configurePage
//   GET /_jira/sites/{site}/issue/{key}?accountId=...                    an issue with the app's panel
//   GET /_jira/all.js    a small stand-in for Atlassian's all.js: AP.context.getToken asks the
//                        framing page by postMessage; AP.resize tells it the content height
//   GET /_jira/host.js   the framing page's script: answers getToken with a context token minted
//                        for the page's user (POST /_control/sites/{site}/tokens), resizes the frame
// Each iframe URL carries what Jira puts there (xdm_e, xdm_c, cp, lic, cv) and a jwt signed with the
// site's shared secret whose qsh covers GET <path> and those parameters, as Jira computes it.
const { text } = require('../lib/respond');
const { HttpError } = require('../lib/http-error');
const { mintToken } = require('./tokens');

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// The app URL Jira would frame: descriptor baseUrl + path + Jira's parameters + jwt.
function framedUrl(state, site, path, params, accountId) {
  const inst = site.installation;
  if (!inst || !inst.sharedSecret) throw new HttpError(409, `site ${site.name} has no installed app`);
  const base = inst.descriptorBaseUrl.replace(/\/+$/, '');
  const query = new URLSearchParams({ ...params, xdm_e: state.origin, xdm_c: 'channel-tcj', cp: '', lic: 'none', cv: '1.0' });
  const url = `${base}${path}?${query.toString()}`;
  const { token } = mintToken(state, site, { kind: 'request', method: 'GET', url, accountId });
  return { url: `${url}&jwt=${encodeURIComponent(token)}`, appOrigin: new URL(base).origin };
}

// A Jira-looking page around one iframe. data: the host script's inputs, as
// data-* attributes of <body> (camelCase keys -> kebab-case attributes).
// frameSrcAttr 'data-src' leaves the frame empty until the host script has
// its message listener in place and copies the URL to src.
function page({ title, site, frameUrl, width, hostScript = '/_jira/host.js', data = {}, frameSrcAttr = 'src' }) {
  const w = Number(width);
  const frameWidth = Number.isInteger(w) && w >= 200 && w <= 4000 ? `${w}px` : '100%';
  const attrs = Object.entries({ site: site.name, ...data })
    .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeHtml(v)}"`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} - Jira (stand-in)</title>
<style>
  body { margin: 0; font-family: sans-serif; background: #f7f8f9; }
  .jira-bar { background: #1d2125; color: #fff; padding: 8px 16px; font-size: 14px; }
  .jira-content { padding: 16px; }
  .jira-content h1 { font-size: 20px; margin: 0 0 12px; color: #172b4d; }
  iframe { display: block; border: 0; background: #fff; width: ${frameWidth}; height: 600px; }
</style>
<script src="${escapeHtml(hostScript)}" defer></script>
</head>
<body${attrs}>
<div class="jira-bar">Jira (stand-in) &middot; ${escapeHtml(site.name)}</div>
<div class="jira-content">
<h1>${escapeHtml(title)}</h1>
<iframe id="app-frame" title="TeamCity for Jira" ${frameSrcAttr}="${escapeHtml(frameUrl)}"></iframe>
</div>
</body>
</html>
`;
}

const HOST_JS = `'use strict';
// The framing page's half of the stand-in all.js bridge.
(function () {
  var frame = document.getElementById('app-frame');
  var data = document.body.dataset;
  window.__fakeJira = { tokensIssued: 0, resizes: 0 };
  function reply(message) {
    message.type = 'tcj-fake-ap-reply';
    frame.contentWindow.postMessage(message, data.appOrigin);
  }
  window.addEventListener('message', function (event) {
    if (event.source !== frame.contentWindow || event.origin !== data.appOrigin) return;
    var msg = event.data;
    if (!msg || msg.type !== 'tcj-fake-ap') return;
    if (msg.method === 'getToken') {
      fetch('/_control/sites/' + encodeURIComponent(data.site) + '/tokens', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'context', accountId: data.accountId })
      }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (r) {
          if (r.ok) window.__fakeJira.tokensIssued += 1;
          reply({ id: msg.id, token: r.ok ? r.body.token : null, error: r.ok ? null : String(r.body.error) });
        }, function (e) { reply({ id: msg.id, token: null, error: String(e) }); });
    } else if (msg.method === 'resize') {
      var h = Math.max(200, Math.min(20000, Number(msg.height) || 0));
      frame.style.height = h + 'px';
      window.__fakeJira.resizes += 1;
    }
  });
})();
`;

const ALL_JS = `'use strict';
// Stand-in for Atlassian's all.js (tests only): the AP calls the app uses, over postMessage to the
// framing page named by the xdm_e parameter of this page's URL.
(function () {
  var parentOrigin = new URLSearchParams(window.location.search).get('xdm_e');
  var seq = 0;
  var pending = {};
  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var msg = event.data;
    if (!msg || msg.type !== 'tcj-fake-ap-reply' || !pending[msg.id]) return;
    var done = pending[msg.id];
    delete pending[msg.id];
    done(msg.token || null, msg.error || null);
  });
  function call(method, extra, done) {
    if (!parentOrigin || window.parent === window) {
      if (done) setTimeout(function () { done(null, 'not inside Jira'); }, 0);
      return;
    }
    seq += 1;
    if (done) pending[seq] = done;
    var msg = { type: 'tcj-fake-ap', id: seq, method: method };
    for (var k in extra) msg[k] = extra[k];
    window.parent.postMessage(msg, parentOrigin);
  }
  function getToken(callback) {
    var promise = new Promise(function (resolve, reject) {
      call('getToken', {}, function (token, error) { if (token) resolve(token); else reject(new Error(error || 'no token')); });
    });
    if (typeof callback === 'function') {
      promise.then(function (t) { callback(t); }, function () { callback(undefined); });
      return undefined;
    }
    return promise;
  }
  // The content's height (not scrollHeight, which never drops below the frame's own height).
  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }
  window.AP = {
    context: { getToken: getToken },
    resize: function () { call('resize', { height: height() }); },
    sizeToParent: function () {}
  };
  // Like all.js, the frame follows its content's height unless the page says otherwise.
  window.addEventListener('load', function () {
    window.AP.resize();
    if (window.ResizeObserver) new ResizeObserver(function () { window.AP.resize(); }).observe(document.documentElement);
  });
})();
`;

const connectPage = ({ title, site, accountId, frame, width }) => page({
  title, site, width, frameUrl: frame.url, data: { accountId, appOrigin: frame.appOrigin },
});

function addJiraPageRoutes(router, state) {
  const script = (body) => async () => text(200, body, 'application/javascript; charset=utf-8', { 'Cache-Control': 'no-store' });
  router.add('GET', '/_jira/all.js', script(ALL_JS));
  router.add('GET', '/_jira/host.js', script(HOST_JS));

  const accountOf = (ctx, site) => ctx.query.get('accountId') || [...site.admins][0] || 'acc-admin';

  router.add('GET', '/_jira/sites/:site/configure', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    const accountId = accountOf(ctx, site);
    const frame = framedUrl(state, site, '/jira/configure', {}, accountId);
    return text(200, connectPage({ title: 'TeamCity for Jira: configure', site, accountId, frame, width: ctx.query.get('width') }),
                'text/html; charset=utf-8');
  });

  router.add('GET', '/_jira/sites/:site/issue/:key', async (ctx) => {
    const site = state.siteOr404(ctx.params.site);
    const accountId = accountOf(ctx, site);
    const key = ctx.params.key;
    const frame = framedUrl(state, site, '/jira/issue-panel', { issueKey: key }, accountId);
    return text(200, connectPage({ title: `Issue ${key}`, site, accountId, frame, width: ctx.query.get('width') }),
                'text/html; charset=utf-8');
  });
}

module.exports = { addJiraPageRoutes, framedUrl, page, escapeHtml };
