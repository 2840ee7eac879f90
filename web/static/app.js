// The admin UI: one page, three hosts (api.js). Inside Jira, as a Connect page or a Forge Custom UI
// page, Jira has signed the user in and every API call carries Jira's proof of it; standalone
// (/admin) a local admin token opens a session. A hash router shows one screen at a time.
import { h, replace, button, message, field, setBusy } from './dom.js';
import { ApiError, host, insideJira, get, post, del, onUnauthorized, setCsrfToken, staticUrl } from './api.js';
import { serversView, serverFormView } from './servers.js';
import { serverView } from './server.js';
import { diagnosticsView } from './diagnostics.js';
import { auditView } from './audit.js';

const root = document.getElementById('app');
let session = null;  // standalone: {csrf_token, site}
let current = null;  // the screen shown: {alive, cleanups}

const ROUTES = [
  { pattern: /^\/servers$/, view: serversView, tab: 'servers' },
  { pattern: /^\/servers\/new$/, view: serverFormView, tab: 'servers' },
  { pattern: /^\/servers\/([^/]+)\/edit$/, view: serverFormView, tab: 'servers', names: ['id'] },
  { pattern: /^\/servers\/([^/]+)(?:\/(sync|preview))?$/, view: serverView, tab: 'servers', names: ['id', 'section'] },
  { pattern: /^\/diagnostics$/, view: diagnosticsView, tab: 'diagnostics' },
  { pattern: /^\/audit$/, view: auditView, tab: 'audit' },
];

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/servers';
  const [path, queryString = ''] = raw.split('?');
  return { path, query: new URLSearchParams(queryString) };
}

export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

// A polite live region for things that happen without focus moving (saved, copied, removed).
let liveRegion = null;
export function announce(text) {
  if (!liveRegion) return;
  liveRegion.textContent = '';
  setTimeout(() => { liveRegion.textContent = text; }, 50);
}

function shell() {
  const main = h('main', { id: 'main', class: 'tcj-main', tabindex: '-1' });
  const notice = h('div', { class: 'tcj-site-notice' });
  liveRegion = h('div', { class: 'tcj-visually-hidden', 'aria-live': 'polite', role: 'status' });
  const tabs = [
    ['servers', '#/servers', 'TeamCity servers'],
    ['diagnostics', '#/diagnostics', 'Diagnostics'],
    ['audit', '#/audit', 'Audit log'],
  ].map(([id, href, label]) => h('a', { href, class: 'tcj-nav__link', dataset: { tab: id } }, label));
  const account = host === 'standalone' && session
    ? h('div', { class: 'tcj-header__account' },
        h('span', { class: 'tcj-header__site', title: session.site && session.site.url },
          (session.site && (session.site.name || session.site.url)) || ''),
        h('span', { class: 'tcj-header__link tcj-subtle' }),
        button('Sign out', signOut, { kind: 'subtle' }))
    : null;
  replace(root,
    h('a', { href: '#main', class: 'tcj-skip-link', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header', { class: 'tcj-header' },
      h('div', { class: 'tcj-header__brand' },
        h('img', { src: staticUrl('logo.svg'), alt: '', width: '24', height: '24' }),
        h('span', { class: 'tcj-header__title' }, 'TeamCity for Jira')),
      account),
    h('nav', { class: 'tcj-nav', 'aria-label': 'Sections' }, tabs),
    notice,
    main,
    liveRegion);
  showSiteNotice(notice);
  return main;
}

const LINKS = { connect: 'the Connect app', oauth: 'OAuth 2.0 credentials', forge: 'the Forge app' };

// Which link the site reaches Jira through, and what stops it: standalone, the header names the
// link; a Connect page of a site that moved to Forge says so; a Forge site without a token it may
// send with says why nothing reaches Jira and what brings it back, on every screen.
async function showSiteNotice(slot) {
  let site;
  try {
    site = await get('/api/v1/site');
  } catch {
    return;  // the screen itself reports what failed
  }
  if (!site || !(LINKS[site.link] || site.link === 'trial')) return;
  const linkSlot = document.querySelector('.tcj-header__link');
  if (linkSlot) {
    linkSlot.textContent = site.link === 'trial' ? 'trial site: nothing is sent to Jira' : `linked through ${LINKS[site.link]}`;
  }
  if (site.link === 'trial') {
    replace(slot, message('This is a trial site on this machine: TeamCity is read and builds are linked to issue ' +
      'keys (see Diagnostics), but nothing is sent to Jira. The service\'s start page says how to connect a Jira ' +
      'site.', 'info'));
  } else if (site.forge && site.forge.sending === 'waiting_for_forge') {
    replace(slot, message('Builds are not being sent to Jira: Forge has not called the service with a token it may ' +
      'send with. This resolves itself at the next hourly call from Forge, or as soon as a Jira administrator opens ' +
      "this app's page in Jira.", 'warning'));
  } else if (host === 'jira' && site.link !== 'connect') {
    replace(slot, message(`This Jira site is now linked through ${LINKS[site.link]}, which sends its builds and ` +
      'deployments. You can uninstall this Connect app: the TeamCity servers and their history stay.', 'info'));
  }
}

function route() {
  if (current) {
    current.alive = false;
    for (const fn of current.cleanups) fn();
  }
  const main = document.getElementById('main') || shell();
  const { path, query } = parseHash();
  let match = null;
  let params = {};
  for (const r of ROUTES) {
    const m = path.match(r.pattern);
    if (m) {
      match = r;
      (r.names || []).forEach((name, i) => { params[name] = m[i + 1] ? decodeURIComponent(m[i + 1]) : undefined; });
      break;
    }
  }
  for (const link of document.querySelectorAll('.tcj-nav__link')) {
    if (match && link.dataset.tab === match.tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const ctx = {
    alive: true,
    cleanups: [],
    onCleanup(fn) { this.cleanups.push(fn); },
    navigate,
    announce,
  };
  current = ctx;
  replace(main);
  if (!match) {
    main.append(h('h1', { tabindex: '-1' }, 'Page not found'),
                message('There is no such page.', 'warning', h('p', {}, h('a', { href: '#/servers' }, 'Go to the TeamCity servers'))));
  } else {
    try {
      match.view(main, { params, query }, ctx);
    } catch (e) {
      main.append(message(e.message));
    }
  }
  // Keyboard and screen reader users land on the new screen's heading (not on the first load).
  const heading = main.querySelector('h1');
  if (heading && moved) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
  moved = true;
}
let moved = false;

// ---- standalone sign-in ----

function loginView(notice) {
  current = null;
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
  const tokenField = field({
    label: 'Admin token',
    control: input,
    hint: h('span', {}, 'Created with ', h('code', {}, 'teamcity-jira admin-tokens create --site URL'),
            ' or printed by ', h('code', {}, 'make demo'), '.'),
  });
  const status = h('div', { class: 'tcj-login__status' }, notice ? message(notice, 'warning') : null);
  const submit = button('Sign in', null, { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'tcj-login__form', novalidate: true }, tokenField.el, status, h('div', { class: 'tcj-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    tokenField.setError('');
    replace(status);
    const token = input.value.trim();
    if (!token) {
      tokenField.setError('Enter your admin token.');
      input.focus();
      return;
    }
    setBusy(submit, true);
    try {
      const body = await post('/api/v1/session', { token }, { quiet401: true });
      input.value = '';
      start(body);
    } catch (e) {
      tokenField.setError(e.message);
      input.focus();
    } finally {
      setBusy(submit, false);
    }
  });
  replace(root, h('main', { class: 'tcj-login' },
    h('div', { class: 'tcj-login__card' },
      h('div', { class: 'tcj-header__brand' }, h('img', { src: staticUrl('logo.svg'), alt: '', width: '32', height: '32' }),
        h('span', { class: 'tcj-header__title' }, 'TeamCity for Jira')),
      h('h1', {}, 'Sign in'),
      h('p', { class: 'tcj-subtle' }, 'Sign in with an admin token of your Jira site to manage its TeamCity servers.'),
      form)));
  input.focus();
}

async function signOut() {
  try {
    await del('/api/v1/session');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      announce(e.message);
      return;
    }
  }
  session = null;
  setCsrfToken(null);
  loginView('You are signed out.');
}

function start(body) {
  session = body;
  setCsrfToken(body && body.csrf_token);
  shell();
  moved = false;
  route();
}

window.addEventListener('hashchange', () => { if (insideJira || session) route(); });

// Starts the app; main.js (the service's pages) or the Forge bundle's entry calls it.
export async function boot() {
  if (host === 'jira') {
    if (window.AP && typeof window.AP.resize === 'function' && 'ResizeObserver' in window) {
      new ResizeObserver(() => window.AP.resize()).observe(document.body);
    }
    // Jira passes the page's ac.* parameters on: the issue panel links here with ac.q=<build id>.
    const q = new URLSearchParams(window.location.search).get('ac.q');
    if (q && !window.location.hash) window.history.replaceState(null, '', `#/diagnostics?q=${encodeURIComponent(q)}`);
  }
  if (insideJira) {
    shell();
    route();
    return;
  }
  onUnauthorized(() => {
    if (!session) return;
    session = null;
    setCsrfToken(null);
    loginView('Your session has ended. Sign in again.');
  });
  try {
    start(await get('/api/v1/session', { quiet401: true }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) loginView();
    else replace(root, h('main', { class: 'tcj-main' }, h('h1', {}, 'TeamCity for Jira'), message(e.message),
                         button('Try again', () => boot(), { kind: 'primary' })));
  }
}
