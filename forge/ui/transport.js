// What the Forge bundles add to the shared admin UI (web/static): the API transport through Forge's
// invokeRemote, which reaches the service with a Forge Invocation Token and the app's tokens that
// Forge adds itself (a Custom UI page may not call the service directly), and links that leave
// Jira through Forge's router.
import { invokeRemote, router } from '@forge/bridge';
import { ApiError } from '../../web/static/api.js';

// api.js's transport: {status, statusText, data}. Forge parses the answer's JSON body itself; it
// rejects the call when the service answered 401 (it could not verify the token), timed out after
// 25 s, or gave an error without a JSON body.
export async function invokeRemoteTransport(method, path, body) {
  let answer;
  try {
    answer = await invokeRemote({ method, path, headers: { Accept: 'application/json' }, body });
  } catch (e) {
    throw new ApiError(0, 'forge', `Forge could not get an answer from the service (${(e && e.message) || e}). ` +
      'Reload the page; if this keeps happening, ask the service operator to check that it is running.');
  }
  if (!answer || !Number.isInteger(answer.status)) {
    throw new ApiError(0, 'forge', 'Forge gave no answer from the service. Reload the page.');
  }
  let data = answer.body === undefined || answer.body === '' ? null : answer.body;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = undefined;
    }
  }
  return { status: answer.status, statusText: '', data };
}

// Links to TeamCity open in a new tab through Forge (which asks before leaving Atlassian), since a
// Custom UI frame may not open windows itself. The href stays, for copying and for screen readers.
export function openLinksThroughForge() {
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!link || event.defaultPrevented || event.button !== 0 || link.target !== '_blank') return;
    // Whatever happens next, the frame itself does not navigate.
    event.preventDefault();
    let url;
    try {
      url = new URL(link.getAttribute('href'), window.location.href);
    } catch {
      return;  // not a URL: nowhere to go
    }
    if (/^https?:$/.test(url.protocol)) router.open(url.toString()).catch(() => {});
  });
}
