'use strict';
// One outbound request from "Forge" to the remote: no redirects followed (3xx is
// an error for Forge), a deadline covering headers and body, and a cap on the
// response size that stops reading (and drops the connection) once exceeded.
// Never throws: failures come back as {status: 0, error}.

// track(abortController) registers the request so a reset can abort it; it
// returns the function that unregisters it.
async function sendRequest({ url, method = 'POST', headers = {}, body = null, timeoutMs, maxResponseBytes = 5 * 1024 * 1024, track }) {
  const ac = new AbortController();
  let timedOut = false;
  let tooLarge = null; // set when the cap is hit; aborting then makes the read throw
  const timer = setTimeout(() => { timedOut = true; ac.abort(); }, timeoutMs);
  const untrack = track ? track(ac) : () => {};
  const t0 = Date.now();
  const done = (fields) => ({ durationMs: Date.now() - t0, ...fields });
  try {
    const withBody = body !== null && method !== 'GET' && method !== 'HEAD';
    const res = await fetch(url, { method, headers, body: withBody ? body : undefined, redirect: 'manual', signal: ac.signal });
    const resHeaders = Object.fromEntries(res.headers);
    const chunks = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxResponseBytes) {
          tooLarge = { status: res.status, headers: resHeaders, body: null, error: 'response-too-large', bytes: size };
          ac.abort();
          break;
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    if (tooLarge) return done(tooLarge);
    return done({ status: res.status, headers: resHeaders, body: Buffer.concat(chunks), error: null, bytes: size });
  } catch (err) {
    if (tooLarge) return done(tooLarge);
    let error = 'network';
    if (timedOut) error = 'timeout';
    else if (ac.signal.aborted) error = 'cancelled';
    return done({ status: 0, headers: null, body: null, error, message: String(err && (err.cause ? err.cause.message : err.message)) });
  } finally {
    clearTimeout(timer);
    untrack();
  }
}

// The answer body as JSON when it parses, else as text (null when empty).
function parseBody(buf) {
  if (!buf || buf.length === 0) return null;
  const text = buf.toString('utf8');
  try { return JSON.parse(text); } catch { return text; }
}

module.exports = { sendRequest, parseBody };
