// The admin API client. Inside Jira every call carries a Connect context token from
// AP.context.getToken(); standalone, the session cookie does, with the CSRF token on every call
// that changes something. Errors become ApiError with the API's message in words.

export const host = document.documentElement.dataset.host === 'jira' ? 'jira' : 'standalone';

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

async function send(method, path, body, fresh) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (host === 'jira') headers.Authorization = `JWT ${await jiraToken(fresh)}`;
  else if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `Could not reach the service (${e.message}). Check your connection and try again.`);
  }
}

async function parse(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function api(method, path, body, { quiet401 = false } = {}) {
  let response = await send(method, path, body, false);
  if (response.status === 401 && host === 'jira') {
    cachedToken = null;  // maybe expired early: one more try with a fresh token
    response = await send(method, path, body, true);
  }
  const data = await parse(response);
  if (response.ok) {
    if (data === undefined) throw new ApiError(response.status, 'bad_response', 'The service answered something that is not JSON.');
    return data;
  }
  const error = data && data.error ? data.error : {};
  const text = error.message || `The service answered ${response.status} ${response.statusText}.`.replace(' .', '.');
  const failure = new ApiError(response.status, error.code || 'http_error', text, error.field || null);
  if (response.status === 401 && !quiet401) {
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
