// TeamCity servers: the list with live state, the add/edit form with its connection test, and removal.
import { h, replace, button, message, field, number, uid, setBusy } from './dom.js';
import { ApiError, get, post, put, del, enc } from './api.js';
import { openDialog } from './dialog.js';
import { stateLozenge, stateDetail, backfillProgress } from './status.js';
import { poll } from './poll.js';

export const POLL_MS = 3000;

// ---- list ----

export function serversView(main, _route, ctx) {
  const listSlot = h('div', { class: 'tcj-servers', 'aria-busy': 'true' }, h('p', { class: 'tcj-subtle' }, 'Loading servers…'));
  const errorSlot = h('div', {});
  const heading = h('h1', { tabindex: '-1' }, 'TeamCity servers');
  main.append(
    h('div', { class: 'tcj-page-header' },
      heading,
      h('a', { href: '#/servers/new', class: 'tcj-button tcj-button--primary' }, 'Add server')),
    h('p', { class: 'tcj-intro' },
      'The builds and deployments of these servers appear on the Jira issues they mention. ',
      'The service only reads from TeamCity; it never changes anything there.'),
    errorSlot,
    listSlot);

  const rows = new Map();  // id -> {tr, state, builds, name}
  let table = null;

  const ensureTable = () => {
    if (table) return table;
    table = {
      body: h('tbody', {}),
    };
    replace(listSlot, h('div', { class: 'tcj-table-wrap' },
      h('table', { class: 'tcj-table tcj-servers__table' },
        h('caption', { class: 'tcj-visually-hidden' }, 'TeamCity servers and their state'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Server'),
          h('th', { scope: 'col' }, 'State'),
          h('th', { scope: 'col' }, 'Builds'),
          h('th', { scope: 'col' }, h('span', { class: 'tcj-visually-hidden' }, 'Actions')))),
        table.body)));
    return table;
  };

  const addRow = (server) => {
    const state = h('td', { class: 'tcj-servers__state' }, h('span', { class: 'tcj-subtle' }, '…'));
    const builds = h('td', { class: 'tcj-servers__builds' });
    const name = h('a', { href: `#/servers/${enc(server.id)}`, class: 'tcj-servers__name' }, server.name);
    const url = h('div', { class: 'tcj-subtle tcj-servers__url' }, server.url);
    const removeButton = button('Remove', () => confirmRemove(server, ctx, () => poller.now()), {
      kind: 'subtle', 'aria-label': `Remove ${server.name}` });
    const tr = h('tr', { dataset: { serverId: server.id } },
      h('th', { scope: 'row' }, name, url), state, builds,
      h('td', { class: 'tcj-servers__actions' },
        h('a', { href: `#/servers/${enc(server.id)}/edit`, class: 'tcj-button tcj-button--subtle',
                 'aria-label': `Edit ${server.name}` }, 'Edit'),
        removeButton));
    ensureTable().body.append(tr);
    rows.set(server.id, { tr, state, builds, name, url });
  };

  const updateRow = (server, status) => {
    const row = rows.get(server.id);
    row.name.textContent = server.name;
    row.url.textContent = server.url;
    if (!status) return;
    replace(row.state, stateLozenge(status), stateDetail(status), backfillProgress(status.backfill));
    const b = status.builds || {};
    replace(row.builds,
      h('div', {}, `${number(b.total)} read`),
      h('div', { class: 'tcj-subtle' }, `${number(b.accepted)} in Jira`),
      b.rejected ? h('div', { class: 'tcj-text-danger' }, `${number(b.rejected)} rejected`) : null,
      b.pending ? h('div', { class: 'tcj-subtle' }, `${number(b.pending)} to send`) : null);
  };

  // The row of a removed server goes, and with it the keyboard focus when one of its buttons had
  // it (its Remove button does, after the dialog): the focus moves to the page's heading instead
  // of falling to the page's body, where the next Tab would start from the top.
  const withoutLosingFocus = (change) => {
    const had = listSlot.contains(document.activeElement);
    change();
    if (had && !listSlot.contains(document.activeElement)) heading.focus();
  };

  const tick = async () => {
    const { servers } = await get('/api/v1/servers');
    if (!ctx.alive) return;
    replace(errorSlot);
    listSlot.setAttribute('aria-busy', 'false');
    if (servers.length === 0) {
      // Drawn once, not at every poll, so that its Add server link keeps the focus.
      if (listSlot.querySelector('.tcj-empty')) return;
      if (rows.size > 0) ctx.announce('A server was removed.');
      rows.clear();
      table = null;
      withoutLosingFocus(() => replace(listSlot, h('div', { class: 'tcj-empty' },
        h('h2', {}, 'No TeamCity server yet'),
        h('p', {}, 'Add your TeamCity server to send its builds and deployments to Jira.'),
        h('a', { href: '#/servers/new', class: 'tcj-button tcj-button--primary' }, 'Add server'))));
      return;
    }
    const ids = new Set(servers.map((s) => s.id));
    for (const [id, row] of rows) {
      if (!ids.has(id)) {
        withoutLosingFocus(() => row.tr.remove());
        rows.delete(id);
        ctx.announce('A server was removed.');
      }
    }
    for (const server of servers) if (!rows.has(server.id)) addRow(server);
    const statuses = await Promise.all(servers.map((s) => get(`/api/v1/servers/${enc(s.id)}/status`).catch(() => null)));
    if (!ctx.alive) return;
    servers.forEach((s, i) => { if (rows.has(s.id)) updateRow(s, statuses[i]); });
  };

  const poller = poll(ctx, tick, POLL_MS, (e) => {
    listSlot.setAttribute('aria-busy', 'false');
    if (!table) replace(listSlot);
    replace(errorSlot, message(e.message));
  });
}

export function confirmRemove(server, ctx, after) {
  openDialog({
    title: `Remove ${server.name}?`,
    body: [
      h('p', {}, `The service stops reading ${server.name} and deletes every build and deployment it sent from this server from Jira. `,
        'Developers no longer see them on their issues.'),
      h('p', { class: 'tcj-subtle' }, 'Nothing changes in TeamCity. You can add the server again later; its history is then read again.'),
    ],
    actions: [{
      text: 'Remove server',
      kind: 'danger',
      run: async () => {
        await del(`/api/v1/servers/${enc(server.id)}`);
        ctx.announce(`${server.name} is being removed; its builds and deployments are deleted from Jira.`);
        if (after) after();
      },
    }],
  });
}

// ---- add / edit ----

// An update names only what differs from the saved server (the API keeps the rest), so that the
// audit log lists what was really changed.
function changesOnly(body, server) {
  const changes = { ...body };
  if (changes.name === server.name) delete changes.name;
  if (changes.url === server.url) delete changes.url;
  return changes;
}

const AUTH_TYPES = [
  ['token', 'Token'],
  ['basic', 'Username and password'],
  ['guest', 'Guest'],
  ['relay', 'Relay (TeamCity behind a firewall)'],
];
// Kinds with nothing secret to keep or replace: the guest user, and a relay (which signs in itself).
const NO_SECRET = new Set(['guest', 'relay']);

export function serverFormView(main, { params }, ctx) {
  const editing = !!params.id;
  main.append(h('nav', { class: 'tcj-breadcrumbs', 'aria-label': 'Breadcrumbs' },
                h('a', { href: '#/servers' }, 'TeamCity servers')),
              h('h1', {}, editing ? 'Edit TeamCity server' : 'Add a TeamCity server'));
  const body = h('div', {}, editing ? h('p', { class: 'tcj-subtle' }, 'Loading…') : null);
  main.append(body);
  if (!editing) {
    renderForm(body, null, ctx);
    return;
  }
  get(`/api/v1/servers/${enc(params.id)}`).then((server) => {
    if (!ctx.alive) return;
    replace(body);
    renderForm(body, server, ctx);
  }, (e) => { if (ctx.alive) replace(body, message(e.message)); });
}

function renderForm(container, server, ctx) {
  const savedAuth = server ? server.auth || { type: 'guest' } : null;
  const name = field({ label: 'Name', control: h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: server ? server.name : '' }),
                       hint: 'How the server is named here and in Jira, e.g. "TeamCity".' });
  const url = field({ label: 'TeamCity URL', control: h('input', { type: 'url', maxlength: '2000', autocomplete: 'off', spellcheck: 'false',
                                                                     placeholder: 'https://teamcity.example.com', value: server ? server.url : '' }),
                      hint: 'The address you open TeamCity at.' });

  // Authentication: a radio group; a saved secret is never shown, only "set", with a Replace button.
  const radioName = uid('auth');
  const radios = AUTH_TYPES.map(([value, label]) => {
    const input = h('input', { type: 'radio', name: radioName, value, checked: (savedAuth ? savedAuth.type : 'token') === value });
    return { value, input, el: h('label', { class: 'tcj-radio' }, input, ' ', label) };
  });
  const authType = () => radios.find((r) => r.input.checked).value;
  const authError = h('p', { class: 'tcj-field-error', id: uid('auth-error'), hidden: true });

  const token = field({ label: 'Access token', control: h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false' }),
                        hint: 'A TeamCity access token of a user who can view the projects you want to sync (Profile, Access Tokens).' });
  const username = field({ label: 'Username', control: h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }) });
  const password = field({ label: 'Password', control: h('input', { type: 'password', autocomplete: 'off' }) });
  const guestNote = h('p', { class: 'tcj-hint' }, 'TeamCity\'s guest user must be enabled and allowed to view the projects.');
  const relayNote = h('div', { id: uid('relay-note') },
    h('p', { class: 'tcj-hint' }, 'The service never connects to this address. A relay next to TeamCity connects out to this service and signs in to TeamCity with its own credentials.'),
    h('p', { class: 'tcj-hint' }, 'A server reached through a relay is tested once it is saved and its relay has connected: create the relay\'s token on the server\'s page.'));

  // "replacing" is true when the admin types new credentials; false keeps the saved ones.
  let replacing = !savedAuth || NO_SECRET.has(savedAuth.type);
  const savedNote = h('div', { class: 'tcj-secret-set' });
  const secretFields = h('div', { class: 'tcj-secret-fields' });

  const renderAuth = () => {
    const type = authType();
    const sameAsSaved = savedAuth && savedAuth.type === type && !NO_SECRET.has(type);
    const keep = sameAsSaved && !replacing;
    replace(savedNote);
    replace(secretFields);
    if (NO_SECRET.has(type)) {
      secretFields.append(type === 'guest' ? guestNote : relayNote);
      return;
    }
    if (keep) {
      const what = type === 'token' ? 'Access token' : 'Username and password';
      savedNote.append(
        h('span', {}, `${what}: `), h('strong', { class: 'tcj-secret-set__value' }, 'set'),
        button('Replace', () => { replacing = true; renderAuth(); (type === 'token' ? token : username).control.focus(); },
               { kind: 'link', 'aria-label': `Replace the saved ${what.toLowerCase()}` }));
      return;
    }
    if (type === 'token') secretFields.append(token.el);
    else secretFields.append(username.el, password.el);
    if (sameAsSaved) {
      secretFields.append(button('Keep the saved credentials', () => {
        replacing = false;
        token.control.value = '';
        username.control.value = '';
        password.control.value = '';
        renderAuth();
      }, { kind: 'link' }));
    }
  };
  for (const r of radios) r.input.addEventListener('change', () => { clearResult(); renderAuth(); relayCannotTest(); });
  renderAuth();

  const authFieldset = h('fieldset', { class: 'tcj-fieldset', 'aria-describedby': authError.id },
    h('legend', {}, 'Authentication'),
    h('div', { class: 'tcj-radio-group' }, radios.map((r) => r.el)),
    savedNote, secretFields, authError);

  const result = h('div', { class: 'tcj-test-result', 'aria-live': 'polite' });
  const formError = h('div', {});
  const testButton = button('Test connection', () => testConnection(), {});
  const saveButton = button(server ? 'Save' : 'Add server', null, { kind: 'primary', type: 'submit' });
  // The service never connects to a relay server's URL, so there is nothing to test before saving:
  // the button is off and names the note that says why.
  const relayCannotTest = () => {
    const relay = authType() === 'relay';
    testButton.disabled = relay;
    if (relay) testButton.setAttribute('aria-describedby', relayNote.id);
    else testButton.removeAttribute('aria-describedby');
  };
  relayCannotTest();
  const form = h('form', { class: 'tcj-form', novalidate: true },
    name.el, url.el, authFieldset, result, formError,
    h('div', { class: 'tcj-actions' }, saveButton, testButton,
      h('a', { href: server ? `#/servers/${enc(server.id)}` : '#/servers', class: 'tcj-button tcj-button--subtle' }, 'Cancel')));
  container.append(form);
  if (!server) name.control.focus();

  const fields = { name, url, 'auth.token': token, 'auth.username': username, 'auth.password': password };
  let lastTestOk = null;  // the body that last tested fine
  const clearResult = () => { replace(result); lastTestOk = null; };
  for (const f of [name, url, token, username, password]) f.control.addEventListener('input', () => { f.setError(''); lastTestOk = null; });

  const clearErrors = () => {
    for (const f of Object.values(fields)) f.setError('');
    authError.hidden = true;
    replace(formError);
  };
  const showError = (e) => {
    const target = e.field && fields[e.field];
    if (target) {
      target.setError(e.message);
      target.control.focus();
    } else if (e.field && e.field.startsWith('auth')) {
      authError.textContent = e.message;
      authError.hidden = false;
      authFieldset.querySelector('input').focus();
    } else {
      replace(formError, message(e.message));
    }
  };

  // The body for create, test and update. For update, credentials only when they are being replaced.
  const collect = ({ forUpdate }) => {
    const body = { name: name.control.value.trim(), url: url.control.value.trim() };
    const type = authType();
    const keep = savedAuth && savedAuth.type === type && !NO_SECRET.has(type) && !replacing;
    if (NO_SECRET.has(type)) body.auth = { type };
    else if (!keep && type === 'token') body.auth = { type: 'token', token: token.control.value.trim() };
    else if (!keep) body.auth = { type: 'basic', username: username.control.value.trim(), password: password.control.value };
    // Unchanged and with nothing secret: not sent, except with a relay server's new URL, which the
    // service checks as an address it would connect to unless the update says relay.
    if (forUpdate && server && NO_SECRET.has(type) && savedAuth.type === type &&
        !(type === 'relay' && body.url !== server.url)) delete body.auth;
    return { body, keep };
  };

  const validate = ({ body, keep }) => {
    clearErrors();
    let ok = true;
    const need = (f, text) => { f.setError(text); if (ok) f.control.focus(); ok = false; };
    if (!body.name) need(name, 'Enter a name.');
    if (!body.url) need(url, 'Enter the address of your TeamCity server.');
    if (!keep && body.auth && body.auth.type === 'token' && !body.auth.token) need(token, 'Enter an access token.');
    if (!keep && body.auth && body.auth.type === 'basic') {
      if (!body.auth.username) need(username, 'Enter the user name.');
      if (!body.auth.password) need(password, 'Enter the password.');
    }
    return ok;
  };

  const showProbe = (probe) => {
    if (probe.ok) {
      replace(result, h('div', { class: 'tcj-message tcj-message--success', role: 'status' },
        h('p', {}, h('strong', {}, 'Connected. '), `TeamCity ${probe.version}`,
          probe.user ? [', signed in as ', h('strong', {}, probe.user)] : null, '.'),
        h('p', {}, `It can see ${number(probe.projects)} ${probe.projects === 1 ? 'project' : 'projects'} and `,
          `${number(probe.build_types)} build ${probe.build_types === 1 ? 'configuration' : 'configurations'}.`)));
    } else {
      const problem = probe.problem || {};
      replace(result, h('div', { class: 'tcj-message tcj-message--error', role: 'alert' },
        h('p', {}, h('strong', {}, 'The connection failed. '), problem.message || 'TeamCity could not be reached.')));
    }
  };

  // Tests what the form says; with saved credentials kept, the saved server (its URL unchanged).
  const runTest = async () => {
    const collected = collect({ forUpdate: false });
    if (!validate(collected)) return null;
    const { body, keep } = collected;
    if (keep) {
      if (body.url.replace(/\/+$/, '') !== server.url.replace(/\/+$/, '')) {
        showError(new ApiError(400, 'invalid_input', 'The saved credentials belong to the old URL: enter them again to test or save a new URL.', 'auth'));
        return null;
      }
      return { probe: await post(`/api/v1/servers/${enc(server.id)}/test`), body };
    }
    return { probe: await post('/api/v1/servers/test', body), body };
  };

  const busy = (on, text) => {
    testButton.disabled = authType() === 'relay';
    setBusy(testButton, on);
    setBusy(saveButton, on);
    if (on) replace(result, h('p', { class: 'tcj-subtle', role: 'status' }, text));
  };

  async function testConnection() {
    busy(true, 'Connecting to TeamCity…');
    try {
      const tested = await runTest();
      if (!tested) { replace(result); return; }
      showProbe(tested.probe);
      if (tested.probe.ok) lastTestOk = JSON.stringify(tested.body);
    } catch (e) {
      replace(result);
      showError(e);
    } finally {
      busy(false);
    }
  }

  const save = async (skipTest) => {
    const collected = collect({ forUpdate: !!server });
    if (!validate(collected)) return;
    const relay = authType() === 'relay';  // tested once saved and its relay has connected
    busy(true, skipTest || relay ? 'Saving…' : 'Testing the connection before saving…');
    try {
      // A new or changed connection is tested first; a failed test asks before saving anyway.
      const changedConnection = !server || collected.body.auth || collected.body.url !== server.url;
      if (!skipTest && !relay && changedConnection && lastTestOk !== JSON.stringify(collected.body)) {
        const tested = await runTest();
        if (!tested) { replace(result); return; }
        showProbe(tested.probe);
        if (!tested.probe.ok) {
          result.append(h('div', { class: 'tcj-actions' },
            button('Save anyway', () => save(true), { kind: 'warning' }),
            h('span', { class: 'tcj-subtle' }, 'It keeps trying and shows the problem on the server\'s page.')));
          return;
        }
      }
      const saved = server
        ? await put(`/api/v1/servers/${enc(server.id)}`, changesOnly(collected.body, server))
        : await post('/api/v1/servers', collected.body);
      ctx.announce(server ? `${saved.name} saved.`
        : relay ? `${saved.name} added; create its relay token to connect its relay.` : `${saved.name} added; its history is being read.`);
      ctx.navigate(`#/servers/${enc(saved.id)}`);
    } catch (e) {
      showError(e);
    } finally {
      if (ctx.alive) busy(false);
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); save(false); });
}
