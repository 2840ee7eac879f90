// The admin API client. Where the page runs decides how a call is authenticated:
//   standalone  /admin, the session cookie, with the CSRF token on every call that changes something
//   jira        a Connect iframe in Jira: a context token from AP.context.getToken() on every call
//   forge       a Forge Custom UI page: every call goes through Forge's invokeRemote, which adds the
//               invocation token; the Forge bundle installs that transport before the app starts
// Errors become ApiError with the API's message in words.

const HOSTS = ['jira', 'forge'];
export const host = HOSTS.includes(document.documentElement.dataset.host) ? document.documentElement.dataset.host : 'standalone';
// Inside a Jira page (Connect or Forge): Jira signed the user in and frames the app.
export const insideJira = host !== 'standalone';

export class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const TOKEN_TTL_MS = 60 * 1000;
let cachedToken = null;
let cachedAt = 0;
let csrfToken = null;
let unauthorizedHandler = () => {};

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function setCsrfToken(token) {
  csrfToken = token;
}

function jiraToken(fresh) {
  if (!fresh && cachedToken && Date.now() - cachedAt < TOKEN_TTL_MS) return Promise.resolve(cachedToken);
  const AP = window.AP;
  if (!AP || !AP.context || typeof AP.context.getToken !== 'function') {
    return Promise.reject(new ApiError(0, 'no_jira',
      "Jira's page script (all.js) did not load, so this page cannot authenticate. Reload the page."));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ApiError(0, 'no_token',
      'Jira did not hand out a token for this page in time. Reload the page.')), 20000);
    AP.context.getToken((token) => {
      clearTimeout(timer);
      if (!token) {
        reject(new ApiError(0, 'no_token', 'Jira did not hand out a token for this page. Reload the page.'));
        return;
      }
      cachedToken = token;
      cachedAt = Date.now();
      resolve(token);
    });
  });
}

// The body of an answer: null when empty, undefined when it is not JSON.
function parseText(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// A transport sends one call and answers {status, statusText, data} (data as parseText gives it),
// or throws ApiError when there was no answer. fresh: the last answer was 401, so a cached
// credential may be stale.
async function fetchTransport(method, path, body, fresh) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (host === 'jira') headers.Authorization = `JWT ${await jiraToken(fresh)}`;
  else if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `Could not reach the service (${e.message}). Check your connection and try again.`);
  }
  const text = response.status === 204 ? '' : await response.text();
  return { status: response.status, statusText: response.statusText, data: parseText(text) };
}

let transport = fetchTransport;

// The Forge bundle's entry calls this before the app starts.
export function useTransport(send) {
  transport = send;
}

export async function api(method, path, body, { quiet401 = false } = {}) {
  let answer = await transport(method, path, body, false);
  if (answer.status === 401 && host === 'jira') {
    cachedToken = null;  // maybe expired early: one more try with a fresh token
    answer = await transport(method, path, body, true);
  }
  const { status, data } = answer;
  if (status >= 200 && status < 300) {
    if (data === undefined) throw new ApiError(status, 'bad_response', 'The service answered something that is not JSON.');
    return data;
  }
  const error = data && data.error ? data.error : {};
  const text = error.message || `The service answered ${status} ${answer.statusText || ''}.`.replace(' .', '.');
  const failure = new ApiError(status, error.code || 'http_error', text, error.field || null);
  if (status === 401 && !quiet401) {
    if (host === 'standalone') unauthorizedHandler(failure);
    else failure.message = `${text} Reload the page to sign in to Jira again.`;
  }
  throw failure;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body === undefined ? {} : body, options);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

export const enc = encodeURIComponent;

// Where the page's own files are: the service's /static/ folder, or next to the page in a Forge
// resource (Forge serves Custom UI from its CDN, where /static/ is not ours).
export const staticUrl = (file) => (host === 'forge' ? `./${file}` : `/static/${file}`);
