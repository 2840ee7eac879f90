'use strict';
// The frame's half of the stand-in Forge Custom UI bridge. Forge injects its
// own bridge script into a Custom UI's index.html; @forge/bridge (bundled into
// the app) only needs globalThis.__bridge.callBridge(name, payload) -> Promise
// to exist before its module code runs. This stand-in forwards every call to
// the framing stand-in Jira page by postMessage and settles on the matching
// reply; it also reports the content height, as Forge resizes Custom UI frames.
//
// installForgeBridge is one self-contained function on purpose: the CDN serves
// its source text as /_forge/bridge.js (called with the frame's window), and the
// tests call it with a fake window, so both run the very same code. Keep it free
// of references to anything outside its body and of syntax Chromium lacks.

// Messages: frame -> page {type: 'tcj-fake-forge', id, frameId, name, payload};
// page -> frame {type: 'tcj-fake-forge-reply', id, ok, result | error}.
function installForgeBridge(win, parentOrigin, frameId) {
  var seq = 0;
  var pending = {};

  win.addEventListener('message', function (event) {
    // Only the framing page may answer: the same window object and origin the calls went to.
    if (event.source !== win.parent || event.origin !== parentOrigin) return;
    var msg = event.data;
    if (!msg || msg.type !== 'tcj-fake-forge-reply' || !pending[msg.id]) return;
    var call = pending[msg.id];
    delete pending[msg.id];
    if (msg.ok) call.resolve(msg.result);
    else call.reject(new Error(msg.error || 'the stand-in bridge call failed'));
  });

  function callBridge(name, payload) {
    return new Promise(function (resolve, reject) {
      if (!parentOrigin || win.parent === win) {
        reject(new Error('not inside the stand-in Jira page'));
        return;
      }
      seq += 1;
      var id = seq;
      pending[id] = { resolve: resolve, reject: reject };
      try {
        win.parent.postMessage({
          type: 'tcj-fake-forge', id: id, frameId: frameId, name: String(name), payload: payload === undefined ? null : payload,
        }, parentOrigin);
      } catch (e) {
        // e.g. a payload that cannot be cloned (a function): fail the call, not the app
        delete pending[id];
        reject(e);
      }
    });
  }

  win.__bridge = { callBridge: callBridge };

  // The content's height (not scrollHeight, which never drops below the frame's own height).
  var lastHeight = -1;
  function reportHeight() {
    var h = Math.ceil(win.document.documentElement.getBoundingClientRect().height);
    if (h === lastHeight) return;
    lastHeight = h;
    callBridge('resize', { height: h }).catch(function () { /* outside Jira: nothing to resize */ });
  }
  win.addEventListener('load', function () {
    reportHeight();
    if (win.ResizeObserver) new win.ResizeObserver(reportHeight).observe(win.document.documentElement);
  });
  return win.__bridge;
}

// GET {cdnOrigin}/_forge/bridge.js: reads the page origin and frame id from its
// own <script> tag (the CDN writes them there when it injects the tag).
const BRIDGE_JS = `'use strict';
// Stand-in for Forge's Custom UI bridge (tests only; see tests/fakes/README.md).
(function () {
  var me = document.currentScript;
  (${installForgeBridge.toString()})(window, me.getAttribute('data-parent-origin'), me.getAttribute('data-frame-id'));
})();
`;

module.exports = { installForgeBridge, BRIDGE_JS };
