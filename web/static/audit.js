// The audit log: who changed what of this site, when and from which address, newest first, a page at
// a time ("Show older"). Every text from the API goes in as text. #/audit?limit=N sets the page size
// (1 to 200, as the API takes; 50 by default).
import { h, replace, button, message, count, setBusy } from './dom.js';
import { get, enc } from './api.js';

const DEFAULT_LIMIT = 50;
const LINKS = { connect: 'the Connect app', oauth: 'OAuth' };

export function pageSize(query) {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : DEFAULT_LIMIT;
}

// ---- who, when, where ----

export function actorText(actor) {
  const kind = actor && actor.kind;
  const id = (actor && actor.id) || '';
  switch (kind) {
    case 'jira_user': return `Jira user ${id}`;
    case 'admin_token': return `Admin token ${id}`;
    case 'atlassian': return 'Atlassian (site lifecycle)';
    case 'operator': return `Operator ${id} (command line)`;
    default: return [kind || 'Someone', id].filter(Boolean).join(' ');
  }
}

function actorCell(actor) {
  // Atlassian's id is the site's client key: long and of little use in the sentence, so in a tooltip.
  const title = actor && actor.kind === 'atlassian' && actor.id ? `Client key ${actor.id}` : null;
  return h('span', { class: 'tcj-audit__actor', title }, actorText(actor));
}

const LOCAL = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' };

function whenCell(at) {
  const date = new Date(at);
  if (!at || Number.isNaN(date.getTime())) return h('span', {}, String(at || ''));
  const utc = String(at).replace('T', ' ').replace(/Z$/, ' UTC');
  return h('time', { datetime: date.toISOString(), title: utc }, date.toLocaleString(undefined, LOCAL));
}

function addressCell(address) {
  return address
    ? h('span', { class: 'tcj-mono' }, address)
    : h('span', { class: 'tcj-subtle', title: 'A command on the service\'s machine: no network address' }, 'none');
}

// ---- what happened ----

const CHANGED_FIELDS = { name: 'name', url: 'URL', credentials: 'credentials' };
const AUTH = {
  token: 'Signing in to TeamCity with an access token',
  basic: 'Signing in to TeamCity with a username and password',
  guest: 'Signing in to TeamCity with the guest user',
  relay: 'Reached through a relay, which signs in to TeamCity with its own credentials',
};

// A TeamCity server in a sentence: a link to its page while it exists. Named as the entry names it
// (created, changed, removed), else by its name now or the last name the log knows.
function serverRef(id, names, existing, named) {
  const name = (typeof named === 'string' && named) || names.get(id) || (id ? `server ${id}` : 'a server');
  if (id && existing.has(id)) return h('a', { href: `#/servers/${enc(id)}`, class: 'tcj-audit__server' }, name);
  return h('span', { class: 'tcj-audit__server' }, name);
}

function jsonText(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

// What to sync in words, one line per value: projects, project keys, deployment rules.
function projectsLines(projects) {
  if (projects === null || projects === undefined) return ['All projects'];
  if (!Array.isArray(projects)) return [jsonText(projects)];
  return projects.length ? projects.map(String) : ['No project'];
}

function keysLines(keys) {
  if (!Array.isArray(keys)) return [jsonText(keys)];
  return keys.length ? [keys.join(', ')] : ['Every project on the site'];
}

function ruleLine(rule) {
  if (!rule || typeof rule !== 'object') return jsonText(rule);
  const env = rule.parameter ? `environment from parameter ${rule.parameter}`
    : rule.environment ? `environment ${rule.environment}`
      : "environment from the configuration's name";
  return `${rule.build_types || '(no pattern)'}: ${env}, type ${rule.type || 'auto'}`;
}

function rulesLines(rules) {
  if (!Array.isArray(rules)) return [jsonText(rules)];
  return rules.length ? rules.map((r, i) => `${i + 1}. ${ruleLine(r)}`) : ['None'];
}

const SETTINGS = [
  ['projects', 'TeamCity projects', projectsLines],
  ['project_keys', 'Jira project keys', keysLines],
  ['deployment_rules', 'Deployment rules', rulesLines],
];

// Only what differs between before and after, as a compact table; fields it does not know as JSON.
export function settingsDiff(before, after) {
  const b = before && typeof before === 'object' ? before : {};
  const a = after && typeof after === 'object' ? after : {};
  const rows = [];
  const known = new Set(SETTINGS.map(([key]) => key));
  for (const [key, label, lines] of SETTINGS) {
    if (jsonText(b[key]) !== jsonText(a[key])) rows.push([label, lines(b[key]), lines(a[key])]);
  }
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (!known.has(key) && jsonText(b[key]) !== jsonText(a[key])) rows.push([key, [jsonText(b[key])], [jsonText(a[key])]]);
  }
  if (rows.length === 0) return null;
  const cell = (list) => h('td', {}, list.map((line) => h('div', {}, line)));
  return h('table', { class: 'tcj-table tcj-table--compact tcj-audit__diff' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    h('tbody', {}, rows.map(([label, was, now]) => h('tr', {}, h('th', { scope: 'row' }, label), cell(was), cell(now)))));
}

function isEmptyObject(value) {
  return value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
}

// One entry in words: [sentence (text and nodes), an optional element with more].
export function describe(event, names, existing) {
  const d = event.detail && typeof event.detail === 'object' ? event.detail : {};
  const target = event.target || '';
  const server = (named) => serverRef(target, names, existing, named);
  const site = 'the app on this Jira site';
  switch (event.action) {
    case 'server.created':
      return [['Created TeamCity server ', server(d.name), d.url ? ` (${d.url})` : ''],
        AUTH[d.auth] ? h('div', { class: 'tcj-subtle' }, AUTH[d.auth]) : null];
    case 'server.updated': {
      const changed = Array.isArray(d.changed) ? d.changed.map((c) => CHANGED_FIELDS[c] || String(c)) : [];
      return [changed.length ? ['Changed server ', server(d.name), `: ${changed.join(', ')}`] : ['Saved server ', server(d.name), ' without changes'],
        Array.isArray(d.changed) && d.changed.includes('url') && d.url ? h('div', { class: 'tcj-subtle' }, `Now at ${d.url}`) : null];
    }
    case 'server.removed':
      return [['Removed TeamCity server ', server(d.name), d.url ? ` (${d.url})` : ''], null];
    case 'server.settings_changed': {
      const diff = settingsDiff(d.before, d.after);
      return [diff ? ['Changed what to sync of ', server()] : ['Saved what to sync of ', server(), ' without changes'], diff];
    }
    case 'server.backfill_requested':
      return [[`Requested a backfill of ${count(d.days, 'day')} for `, server()], null];
    case 'server.webhook_secret_rotated':
      return [['Rotated the webhook secret of ', server()], null];
    case 'relay.token_issued':
      return [['Created a relay token for ', server(), ' (any earlier one stopped working)'], null];
    case 'relay.token_revoked':
      return [['Revoked the relay token of ', server()], null];
    case 'session.signed_in': return [['Signed in'], null];
    case 'session.signed_out': return [['Signed out'], null];
    case 'admin_token.created':
      return [[`Created admin token ${target}`, d.name ? ` named ${d.name}` : ''], null];
    case 'admin_token.revoked': return [[`Revoked admin token ${target}`], null];
    case 'site.installed': return [[`Installed ${site}`], null];
    case 'site.forge_installed':
      return [['Installed the Forge app on this Jira site', d.moved_from ? ` (it was linked through ${LINKS[d.moved_from] || d.moved_from} before; its servers and history stay)` : ''], null];
    case 'site.forge_upgraded': return [['Upgraded the Forge app on this Jira site'], null];
    case 'site.uninstalled': return [[`Uninstalled ${site}`], null];
    case 'site.enabled': return [[`Enabled ${site}`], null];
    case 'site.disabled': return [[`Disabled ${site}`], null];
    case 'site.removed': return [['Removed this site: nothing is sent to it any more'], null];
    default:
      return [[h('code', {}, String(event.action || 'unknown')), target ? [' on ', target] : ''],
        isEmptyObject(event.detail) ? null : h('div', { class: 'tcj-audit__detail tcj-mono' }, jsonText(event.detail))];
  }
}

// Server names from the entries that carry one, newest first: the first name seen for a server is
// its last. Names of servers that still exist come from the server list and win.
function learnNames(events, names) {
  for (const e of events) {
    if (!e.target || !e.action || !e.action.startsWith('server.')) continue;
    const name = e.detail && typeof e.detail.name === 'string' ? e.detail.name : null;
    if (name && !names.has(e.target)) names.set(e.target, name);
  }
}

function row(event, names, existing) {
  const [sentence, more] = describe(event, names, existing);
  return h('tr', { class: 'tcj-audit__entry', dataset: { auditId: String(event.id), action: String(event.action || '') } },
    h('td', { class: 'tcj-audit__when' }, whenCell(event.at)),
    h('td', { class: 'tcj-audit__who' }, actorCell(event.actor)),
    h('td', { class: 'tcj-audit__from' }, addressCell(event.client_address)),
    h('td', { class: 'tcj-audit__what' }, h('div', { class: 'tcj-audit__sentence' }, sentence), more));
}

// ---- the screen ----

export function auditView(main, { query }, ctx) {
  const limit = pageSize(query);
  const list = h('div', { class: 'tcj-audit', 'aria-busy': 'true' }, h('p', { class: 'tcj-subtle' }, 'Loading the audit log…'));
  const more = h('div', { class: 'tcj-actions tcj-audit__more' });
  main.append(
    h('h1', {}, 'Audit log'),
    h('p', { class: 'tcj-intro' }, 'Who changed what of this site, when and from which address, newest first: TeamCity servers, what to sync, ',
      'backfills, webhook secrets, relay tokens, sign-ins, admin tokens and the app\'s installation. The service never changes or deletes an entry.'),
    list, more);

  const names = new Map();  // server id -> name
  const existing = new Set();  // ids of the servers there are now
  let body = null;
  let shown = 0;

  const page = (before) => get(`/api/v1/audit?limit=${limit}${before ? `&before=${enc(String(before))}` : ''}`);

  const showMore = (nextBefore, focusTarget) => {
    if (nextBefore === null || nextBefore === undefined) {
      const end = h('p', { class: 'tcj-subtle tcj-audit__end', tabindex: '-1' },
        `No older entries (${count(shown, 'entry', 'entries')} shown).`);
      replace(more, end);
      if (focusTarget) end.focus();
      return;
    }
    const olderButton = button('Show older', async () => {
      setBusy(olderButton, true);
      try {
        const answer = await page(nextBefore);
        if (!ctx.alive) return;
        const events = answer.events || [];
        learnNames(events, names);
        const rows = events.map((e) => row(e, names, existing));
        body.append(...rows);
        shown += events.length;
        ctx.announce(events.length ? `${count(events.length, 'older entry', 'older entries')} shown.` : 'There are no older entries.');
        showMore(events.length ? answer.next_before : null, true);
      } catch (e) {
        if (!ctx.alive) return;
        setBusy(olderButton, false);
        replace(more, olderButton, message(e.message));
      }
    }, { kind: 'default' });
    replace(more, olderButton);
    if (focusTarget) olderButton.focus();
  };

  Promise.all([page(null), get('/api/v1/servers').catch(() => ({ servers: [] }))]).then(([answer, { servers }]) => {
    if (!ctx.alive) return;
    for (const s of servers || []) {
      existing.add(s.id);
      names.set(s.id, s.name);
    }
    const events = answer.events || [];
    list.setAttribute('aria-busy', 'false');
    if (events.length === 0) {
      replace(list, h('div', { class: 'tcj-empty' },
        h('h2', {}, 'Nothing recorded yet'),
        h('p', {}, 'Changes to the TeamCity servers, sign-ins and the app\'s installation are listed here.')));
      return;
    }
    learnNames(events, names);
    body = h('tbody', {}, events.map((e) => row(e, names, existing)));
    shown = events.length;
    replace(list, h('div', { class: 'tcj-table-wrap' },
      h('table', { class: 'tcj-table tcj-audit__table' },
        h('caption', { class: 'tcj-visually-hidden' }, 'The audit log, newest first'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'When'),
          h('th', { scope: 'col' }, 'Who'),
          h('th', { scope: 'col' }, 'From'),
          h('th', { scope: 'col' }, 'What'))),
        body)));
    showMore(answer.next_before, false);
  }, (e) => {
    if (!ctx.alive) return;
    list.setAttribute('aria-busy', 'false');
    replace(list, message(e.message));
  });
}
