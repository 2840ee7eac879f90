'use strict';
// The stand-in Jira page's half of the stand-in Forge bridge: what the page
// answers to each callBridge(name, payload) of the framed Custom UI.
//
// createForgeHost is one self-contained function on purpose: the page's script
// (/_jira/forge-host.js) embeds its source text and feeds it the browser's
// fetch; the tests call it in Node with Node's fetch against a running fake,
// so both run the very same code. Keep it free of references to anything
// outside its body and of syntax Chromium lacks.
//
// cfg: {controlOrigin ('' in the page: same origin), installation (uuid),
// accountId, moduleKey, issueKey (issue panel only, else null), context (what
// getContext answers), fetch, setHeight(px)}
// Returns {record, handle(name, payload) -> Promise, listen(win, frameWindow,
// frameOrigin, frameId)}; the page exposes record as window.__fakeForge.
function createForgeHost(cfg) {
  var record = { invocations: 0, calls: [], navigations: [], unsupported: [], resizes: 0, height: null };
  var MAX_CALLS = 50;

  function remember(entry) {
    record.calls.push(entry);
    while (record.calls.length > MAX_CALLS) record.calls.shift();
  }

  // @forge/bridge expects each header as an array of values (it joins them with ',').
  function headerArrays(headers) {
    var out = {};
    Object.keys(headers || {}).forEach(function (k) {
      var v = headers[k];
      out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    });
    return out;
  }

  function unsupported(name) {
    record.unsupported.push(name);
    return Promise.reject(new Error(name + ' is not supported by the stand-in'));
  }

  // invokeRemote: the fake's control route plays Forge calling the remote (FIT,
  // tokens, limits) and says whether the bridge promise resolves or rejects.
  function invoke(p) {
    if (p.invokeType !== 'ui-remote-fetch') return unsupported('invoke:' + (p.invokeType || 'function'));
    record.invocations += 1;
    var method = p.method === undefined ? 'POST' : p.method;
    var request = { method: p.method, path: p.path, headers: p.headers, body: p.body, accountId: cfg.accountId, moduleKey: cfg.moduleKey };
    if (cfg.issueKey) request.issueKey = cfg.issueKey;
    function fail(message) {
      remember({ path: p.path, method: method, error: message });
      throw new Error(message);
    }
    var url = cfg.controlOrigin + '/_control/forge/installations/' + encodeURIComponent(cfg.installation) + '/invoke';
    return cfg.fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) })
      .then(function (r) {
        return r.text().then(function (text) {
          var json = null;
          try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
          return { ok: r.ok, status: r.status, json: json };
        });
      }, function (e) { fail('the stand-in page could not reach the fake: ' + (e && e.message)); })
      .then(function (r) {
        var answer = r.json || {};
        if (!r.ok) fail(answer.error || 'the fake answered HTTP ' + r.status);
        if (answer.outcome !== 'resolved') fail(answer.error || 'rejected');
        remember({ path: p.path, method: method, status: answer.status });
        var payload = { status: answer.status, headers: headerArrays(answer.headers) };
        if (answer.body !== null && answer.body !== undefined) payload.body = answer.body;
        return { success: true, payload: payload };
      });
  }

  // router.open / router.navigate: recorded, never followed (the test decides).
  function navigate(p) {
    var entry = { type: p.type || null };
    if (typeof p.url === 'string') entry.url = p.url;
    else {
      entry.location = {};
      Object.keys(p).forEach(function (k) { if (k !== 'type') entry.location[k] = p[k]; });
    }
    record.navigations.push(entry);
    return Promise.resolve(null);
  }

  function resize(p) {
    var h = Math.round(Number(p.height));
    h = Math.max(100, Math.min(20000, isFinite(h) ? h : 100));
    record.resizes += 1;
    record.height = h;
    if (cfg.setHeight) cfg.setHeight(h);
    return Promise.resolve(null);
  }

  function handle(name, payload) {
    var p = payload && typeof payload === 'object' ? payload : {};
    try {
      if (name === 'invoke') return invoke(p);
      if (name === 'getContext') return Promise.resolve(JSON.parse(JSON.stringify(cfg.context)));
      if (name === 'navigate') return navigate(p);
      if (name === 'resize') return resize(p);
    } catch (e) {
      return Promise.reject(e);
    }
    return unsupported(String(name));
  }

  // Answers the frame's messages on win (the page's window). frameWindow() is
  // the frame's current window: only it, from the CDN origin, with this page's
  // frame id, is answered, and only to that origin.
  function listen(win, frameWindow, frameOrigin, frameId) {
    win.addEventListener('message', function (event) {
      var source = frameWindow();
      if (!source || event.source !== source || event.origin !== frameOrigin) return;
      var msg = event.data;
      if (!msg || msg.type !== 'tcj-fake-forge' || msg.frameId !== frameId) return;
      function reply(m) {
        m.type = 'tcj-fake-forge-reply';
        m.id = msg.id;
        source.postMessage(m, frameOrigin);
      }
      handle(msg.name, msg.payload).then(function (result) {
        reply({ ok: true, result: result === undefined ? null : result });
      }, function (e) {
        reply({ ok: false, error: String((e && e.message) || e) });
      });
    });
  }

  return { record: record, handle: handle, listen: listen };
}

module.exports = { createForgeHost };
