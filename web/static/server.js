// One TeamCity server: its state and backfill, its relay when it is reached through one, recent
// builds and events, the webhook (Status), what to sync with the deployment environment rules and
// their live effect (What to sync), and the issue keys and record a build would produce (Preview).
import { h, replace, button, message, field, lozenge, count, number, time, relativeTime, externalLink, uid, setBusy } from './dom.js';
import { get, post, del, enc, host } from './api.js';
import { openDialog } from './dialog.js';
import { poll } from './poll.js';
import { POLL_MS, confirmRemove } from './servers.js';
import { stateLozenge, stateDetail, backfillProgress } from './status.js';
import { teamcityLozenge, jiraStateLozenge, outcomeLozenge, keysFoundTable, keysDroppedTable, environmentText, notesList } from './story.js';
import { renderSync, draftSettings, hasDraft } from './sync.js';

const SECTIONS = [
  ['', 'Status'],
  ['sync', 'What to sync'],
  ['preview', 'Preview'],
];

export function serverView(main, { params }, ctx) {
  const id = params.id;
  const section = params.section || '';
  const base = `#/servers/${enc(id)}`;
  const title = h('h1', {}, 'TeamCity server');
  const subtitle = h('p', { class: 'tcj-subtle tcj-server__url' });
  const actions = h('div', { class: 'tcj-page-header__actions' });
  const body = h('div', { class: 'tcj-server__body' }, h('p', { class: 'tcj-subtle' }, 'Loading…'));
  main.append(
    h('nav', { class: 'tcj-breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '#/servers' }, 'TeamCity servers')),
    h('div', { class: 'tcj-page-header' }, h('div', {}, title, subtitle), actions),
    h('nav', { class: 'tcj-tabs', 'aria-label': 'Server sections' },
      SECTIONS.map(([key, label]) => h('a', { href: key ? `${base}/${key}` : base, class: 'tcj-tabs__tab',
                                             'aria-current': key === section ? 'page' : false }, label))),
    body);

  get(`/api/v1/servers/${enc(id)}`).then((server) => {
    if (!ctx.alive) return;
    title.textContent = server.name;
    subtitle.append(externalLink(server.url, server.url));
    replace(actions,
      h('a', { href: `${base}/edit`, class: 'tcj-button' }, 'Edit'),
      button('Remove', () => confirmRemove(server, ctx, () => ctx.navigate('#/servers')), { kind: 'subtle' }));
    replace(body);
    if (section === 'sync') renderSync(body, server, ctx);
    else if (section === 'preview') renderPreview(body, server, ctx);
    else renderStatus(body, server, ctx);
  }, (e) => {
    if (!ctx.alive) return;
    replace(body, message(e.status === 404 ? 'There is no such TeamCity server (it may have been removed).' : e.message),
            h('p', {}, h('a', { href: '#/servers' }, 'Back to the TeamCity servers')));
  });
}

// Re-renders a slot only when its data changed, so polling never moves the keyboard focus.
function renderIfChanged(slot, data, render) {
  const key = JSON.stringify(data);
  if (slot.dataset.rendered === key) return;
  slot.dataset.rendered = key;
  replace(slot, render(data));
}

// ---- Status ----

function renderStatus(body, server, ctx) {
  const id = enc(server.id);
  const stateSlot = h('div', { class: 'tcj-server-state', 'aria-live': 'polite' }, h('p', { class: 'tcj-subtle' }, 'Loading the state…'));
  const factsSlot = h('div', {});
  const testResult = h('div', { 'aria-live': 'polite' });
  const days = field({ label: 'Days of history', control: h('input', { type: 'number', min: '1', max: '365', value: '30', inputmode: 'numeric' }) });
  const backfillResult = h('div', { 'aria-live': 'polite' });
  const buildsSlot = h('div', {}, h('p', { class: 'tcj-subtle' }, 'Loading…'));
  const eventsSlot = h('div', {}, h('p', { class: 'tcj-subtle' }, 'Loading…'));
  let poller = null;

  const backfillButton = button('Backfill', async () => {
    days.setError('');
    replace(backfillResult);
    const n = Number(days.control.value);
    if (!Number.isInteger(n) || n < 1 || n > 365) {
      days.setError('Enter a whole number of days from 1 to 365.');
      days.control.focus();
      return;
    }
    setBusy(backfillButton, true);
    try {
      await post(`/api/v1/servers/${id}/backfill`, { days: n });
      replace(backfillResult, message(`Backfill of the last ${n} days started.`, 'success'));
      if (poller) poller.now();
    } catch (e) {
      if (e.field === 'days') days.setError(e.message);
      else replace(backfillResult, message(e.message));
    } finally {
      setBusy(backfillButton, false);
    }
  });

  const testButton = button('Test connection', async () => {
    setBusy(testButton, true);
    replace(testResult, h('p', { class: 'tcj-subtle', role: 'status' }, 'Connecting to TeamCity…'));
    try {
      const probe = await post(`/api/v1/servers/${id}/test`);
      replace(testResult, probe.ok
        ? message(`Connected: TeamCity ${probe.version}${probe.user ? `, signed in as ${probe.user}` : ''}; it can see ${number(probe.projects)} projects and ${number(probe.build_types)} build configurations.`, 'success')
        : message(`The connection failed. ${(probe.problem && probe.problem.message) || ''}`));
    } catch (e) {
      replace(testResult, message(e.message));
    } finally {
      setBusy(testButton, false);
    }
  });

  body.append(
    h('section', { class: 'tcj-card', 'aria-labelledby': 'state-heading' },
      h('h2', { id: 'state-heading' }, 'State'),
      stateSlot, factsSlot,
      h('div', { class: 'tcj-actions' }, testButton), testResult),
    ...(server.auth && server.auth.type === 'relay' ? [relayCard(server, ctx)] : []),
    h('section', { class: 'tcj-card', 'aria-labelledby': 'backfill-heading' },
      h('h2', { id: 'backfill-heading' }, 'Backfill'),
      h('p', { class: 'tcj-subtle' }, 'When a server is added, its recent history is read at once. Read further back (up to 365 days), or read it again:'),
      h('div', { class: 'tcj-inline-form' }, days.el, backfillButton), backfillResult),
    h('section', { class: 'tcj-card', 'aria-labelledby': 'builds-heading' },
      h('h2', { id: 'builds-heading' }, 'Recent builds'), buildsSlot),
    h('section', { class: 'tcj-card', 'aria-labelledby': 'events-heading' },
      h('h2', { id: 'events-heading' }, 'Recent events'), eventsSlot),
    webhookCard(server));

  const renderState = (status) => h('div', {},
    h('div', { class: 'tcj-server-state__line' }, stateLozenge(status), stateDetail(status)),
    backfillProgress(status.backfill));

  const renderFacts = (status) => {
    const b = status.builds || {};
    const item = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
    return h('dl', { class: 'tcj-facts' },
      item('TeamCity version', status.teamcity_version || 'not read yet'),
      item('Last read', time(status.last_success_at)),
      item('Builds read', number(b.total)),
      item('In Jira', number(b.accepted)),
      item('Rejected by Jira', number(b.rejected)),
      item('Waiting to be sent', number(b.pending)),
      item('Not sent (no issue keys or skipped)', number(b.not_sent)),
      item('Deployments', number(b.deployments)),
      item('Running or queued', number(b.open)));
  };

  let tickCount = 0;
  let lastSignature = null;
  const tick = async () => {
    let status;
    try {
      status = await get(`/api/v1/servers/${id}/status`);
    } catch (e) {
      if (e.status === 404) {
        replace(stateSlot, message('This server has been removed.', 'warning'));
        poller.stop();
        return;
      }
      throw e;
    }
    if (!ctx.alive) return;
    renderIfChanged(stateSlot, status, renderState);
    renderIfChanged(factsSlot, status, renderFacts);
    // Builds and events: at once when the state moved, else every fifth poll.
    const b = status.builds || {};
    const signature = JSON.stringify([b.total, b.accepted, b.rejected, b.pending, status.state,
                                      status.backfill && status.backfill.state, status.last_success_at]);
    if (signature !== lastSignature || tickCount++ % 5 === 0) {
      lastSignature = signature;
      await Promise.all([
        get(`/api/v1/servers/${id}/builds?limit=20`).then((r) => renderIfChanged(buildsSlot, r.builds || [], recentBuilds),
          (e) => replace(buildsSlot, message(e.message))),
        get(`/api/v1/servers/${id}/events?limit=50`).then((r) => renderIfChanged(eventsSlot, r.events || [], recentEvents),
          (e) => replace(eventsSlot, message(e.message))),
      ]);
    }
  };
  poller = poll(ctx, tick, POLL_MS, (e) => replace(stateSlot, message(e.message)));
}

function recentBuilds(builds) {
  if (builds.length === 0) return h('p', { class: 'tcj-subtle' }, 'No builds read yet.');
  return h('div', { class: 'tcj-table-wrap' }, h('table', { class: 'tcj-table' },
    h('thead', {}, h('tr', {},
      ['Build', 'Branch', 'TeamCity', 'Jira', 'Issue keys'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, builds.map((b) => h('tr', {},
      h('td', {}, h('a', { href: `#/diagnostics?q=${enc(String(b.build_id))}`, title: 'Why is this build (not) in Jira?' },
        `${b.build_type_name || b.build_type_id} #${b.number || b.build_id}`)),
      h('td', {}, b.branch ? h('code', {}, b.branch) : ''),
      h('td', {}, teamcityLozenge(b)),
      h('td', {}, jiraStateLozenge(b.jira_state), ' ', outcomeLozenge(b.jira)),
      h('td', {}, (b.issue_keys || []).join(', ')))))));
}

const LEVELS = { info: ['Info', 'default'], warning: ['Warning', 'moved'], error: ['Error', 'failed'] };

function recentEvents(events) {
  if (events.length === 0) return h('p', { class: 'tcj-subtle' }, 'Nothing has happened yet.');
  return h('ol', { class: 'tcj-events' }, events.map((e) => {
    const [label, tone] = LEVELS[e.level] || [e.level, 'default'];
    return h('li', { class: `tcj-events__item tcj-events__item--${e.level}` },
      h('span', { class: 'tcj-events__time' }, time(e.at)), lozenge(label, tone),
      h('span', { class: 'tcj-events__message' }, e.message));
  }));
}

function webhookCard(server) {
  const result = h('div', {});
  const create = button('Create webhook secret', () => {
    openDialog({
      title: 'Create a new webhook secret?',
      body: [h('p', {}, 'A new secret replaces the current one at once: a TeamCity webhook set up with the old secret stops working until you enter the new one.')],
      actions: [{
        text: 'Create secret',
        kind: 'primary',
        run: async () => {
          const hook = await post(`/api/v1/servers/${enc(server.id)}/webhook`);
          replace(result, webhookSecret(hook));
          return { focus: result.querySelector('input') };  // the URL, to copy
        },
      }],
    });
  });
  return h('section', { class: 'tcj-card', 'aria-labelledby': 'webhook-heading' },
    h('h2', { id: 'webhook-heading' }, 'Webhook'),
    h('p', { class: 'tcj-subtle' }, 'Optional. TeamCity can tell the service when a build starts or finishes, so it is read at once instead of at the next poll.'),
    h('div', { class: 'tcj-actions' }, create), result);
}

// A read-only field with a Copy button; lines > 1 makes it a text area (a configuration file).
function copyField(label, value, { lines = 1 } = {}) {
  const input = lines > 1
    ? h('textarea', { readOnly: true, value, rows: String(lines), spellcheck: 'false', wrap: 'off' })
    : h('input', { type: 'text', readOnly: true, value, spellcheck: 'false', class: 'tcj-mono' });
  const f = field({ label, control: input });
  const status = h('span', { class: 'tcj-subtle', 'aria-live': 'polite' });
  const copy = button('Copy', async () => {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = 'Copied.';
    } catch {
      input.select();
      status.textContent = 'Press Ctrl+C to copy.';
    }
  }, { 'aria-label': `Copy the ${label.toLowerCase()}` });
  f.el.append(h('div', { class: 'tcj-copy' }, copy, status));
  return f.el;
}

function webhookSecret(hook) {
  return h('div', { class: 'tcj-message tcj-message--success tcj-webhook', role: 'status' },
    h('p', {}, h('strong', {}, 'Shown once. '), 'Copy the secret now: it cannot be shown again.'),
    copyField('Webhook URL', hook.url),
    copyField('Secret', hook.secret),
    hook.note ? h('p', { class: 'tcj-hint' }, hook.note) : null);
}

// ---- Relay ----

// Where README's "TeamCity behind a firewall" installs the relay's files.
const RELAY_DIR = '/etc/teamcity-jira-relay';

// The relay's state in words. The headline (connected or not, since when) is a live region; the
// counters beside it change with every request, so they are not announced.
function relayHeadline(state) {
  if (!state.token) return [lozenge('Not connected'), ' No token yet: create one and start the relay with it.'];
  if (state.connected) return [lozenge('Connected', 'success'), ' Connected since ', time(state.connected_since, { relative: false })];
  if (state.disconnected_at) return [lozenge('Not connected', 'failed'), ' Not connected since ', time(state.disconnected_at, { relative: false }), '.'];
  return [lozenge('Not connected', 'moved'), ' Never connected: start the relay with its token.'];
}

// What a connected relay did since it connected, following the headline in the same sentence.
function relayCounters(state) {
  if (!state.token || !state.connected) return null;
  return [`, version ${state.version || 'unknown'}, last request `, state.last_request_at ? time(state.last_request_at) : 'none yet',
    `, ${count(state.requests, 'request')}, ${number(state.refusals)} refused.`];
}

function relayFacts(state) {
  const lines = [];
  if (!state.token && state.connected) {
    lines.push(h('p', { class: 'tcj-state-detail' }, 'The relay connected with the revoked token is disconnected within seconds.'));
  } else if (!state.token && state.disconnected_at) {
    lines.push(h('p', { class: 'tcj-state-detail' }, 'Not connected since ', time(state.disconnected_at, { relative: false }), '.'));
  }
  if (state.token && state.token.created_at) {
    lines.push(h('p', { class: 'tcj-state-detail' }, 'Token created ', time(state.token.created_at, { relative: false }), '.'));
  }
  if (state.last_refusal) {
    lines.push(h('p', { class: 'tcj-state-detail tcj-relay__refusal' }, 'Last request the relay refused: ',
      h('span', { class: 'tcj-mono' }, state.last_refusal)));
  }
  return lines;
}

// A string for TOML (whose basic strings take JSON's escapes).
const tomlString = (text) => JSON.stringify(String(text));

// The relay's configuration for this server. Inside Forge the page is not served by the service,
// so its address is left for the admin to fill in.
function relayConfig(server) {
  const serviceUrl = host === 'forge' ? 'https://teamcity-jira.example.com' : window.location.origin;
  return [
    '[service]',
    `url = ${tomlString(serviceUrl)}`,
    `token_file = "${RELAY_DIR}/relay-token"`,
    '',
    '[teamcity]',
    `url = ${tomlString(server.url)}`,
    'auth = "token"',
    `token_file = "${RELAY_DIR}/teamcity-token"`,
  ].join('\n');
}

function relayToken(server, token) {
  const config = relayConfig(server);
  return h('div', { class: 'tcj-message tcj-message--success tcj-relay-token', role: 'status' },
    h('p', {}, h('strong', {}, 'Shown once. '), 'Copy the token now: it cannot be shown again.'),
    copyField('Relay token', token),
    h('p', {}, `On the relay's machine, put the token in ${RELAY_DIR}/relay-token and a TeamCity access token in `,
      `${RELAY_DIR}/teamcity-token (both of mode 0600, owned by the relay's user), then start the relay with this configuration:`),
    copyField(`Relay configuration (${RELAY_DIR}/relay.toml)`, config, { lines: config.split('\n').length }),
    h('p', { class: 'tcj-hint' },
      host === 'forge' ? 'Replace the service URL with the address of this service. ' : null,
      'The TeamCity URL is where the relay reaches TeamCity: change it if that differs from the address people open. ',
      'Every step is in the README, section "TeamCity behind a firewall".'));
}

// A relay server's relay: connected or not, what it relayed and refused, and its token (created,
// rotated or revoked here; a new token is shown once, with the relay's configuration).
function relayCard(server, ctx) {
  const id = enc(server.id);
  const headline = h('span', { 'aria-live': 'polite' }, h('span', { class: 'tcj-subtle' }, 'Loading the relay\'s state…'));
  const counters = h('span', {});
  const facts = h('div', {});
  const errorSlot = h('div', {});
  const result = h('div', {});
  // Bumped by every change made here, so that an answer read before it cannot undo it on screen.
  let generation = 0;

  const tokenButton = button('Create relay token', () => (tokenButton.dataset.hasToken ? confirmRotate() : create()), { kind: 'primary' });
  const revokeButton = button('Revoke token', () => confirmRevoke(), { kind: 'subtle', hidden: true });
  const showTokenButtons = (hasToken) => {
    tokenButton.textContent = hasToken ? 'Rotate token' : 'Create relay token';
    tokenButton.className = `tcj-button tcj-button--${hasToken ? 'default' : 'primary'}`;
    if (hasToken) tokenButton.dataset.hasToken = 'true';
    else delete tokenButton.dataset.hasToken;
    revokeButton.hidden = !hasToken;
  };

  const render = (state) => {
    replace(errorSlot);
    showTokenButtons(!!state.token);
    renderIfChanged(headline, [state.token, state.connected, state.connected_since, state.disconnected_at], () => relayHeadline(state));
    // Keyed on the relative time as shown, so "last request 5 s ago" follows the clock.
    renderIfChanged(counters, [state, state.last_request_at && relativeTime(new Date(state.last_request_at))], () => relayCounters(state));
    renderIfChanged(facts, state, () => relayFacts(state));
  };
  const load = async () => {
    const seen = generation;
    const state = await get(`/api/v1/servers/${id}/relay`);
    if (ctx.alive && seen === generation) render(state);
  };
  const changed = () => {
    generation += 1;
    load().catch((e) => { if (ctx.alive) replace(errorSlot, message(e.message)); });
  };

  // Shows the new token; resolves to where the focus goes (its field, to copy it).
  const issue = async () => {
    const { token } = await post(`/api/v1/servers/${id}/relay/token`);
    replace(result, relayToken(server, token));
    showTokenButtons(true);
    changed();
    return { focus: result.querySelector('input') };
  };
  const create = async () => {
    setBusy(tokenButton, true);
    try {
      const { focus } = await issue();
      if (focus) focus.focus();
    } catch (e) {
      replace(result, message(e.message));
    } finally {
      setBusy(tokenButton, false);
    }
  };
  const confirmRotate = () => openDialog({
    title: 'Rotate the relay token?',
    body: [
      h('p', {}, 'A new token replaces the current one at once: the relay stops working until it gets the new token, and its connection is closed within seconds.'),
      h('p', { class: 'tcj-subtle' }, 'Write the new token into the relay\'s token file: it reads the file again and reconnects, without a restart.'),
    ],
    actions: [{ text: 'Rotate token', kind: 'primary', run: issue }],
  });
  const confirmRevoke = () => openDialog({
    title: 'Revoke the relay token?',
    body: [
      h('p', {}, `The relay connected with it is disconnected within seconds, and the service cannot read ${server.name} until you create a new token and give it to the relay.`),
      h('p', { class: 'tcj-subtle' }, 'Nothing changes in TeamCity.'),
    ],
    actions: [{
      text: 'Revoke token',
      kind: 'danger',
      run: async () => {
        await del(`/api/v1/servers/${id}/relay/token`);
        replace(result, message('Token revoked. The relay connected with it is disconnected within seconds.', 'success'));
        showTokenButtons(false);
        changed();
        // The Revoke button is hidden now; focus goes to the one that creates a token.
        return { focus: tokenButton };
      },
    }],
  });

  const poller = poll(ctx, load, POLL_MS, (e) => {
    if (e.status === 404) poller.stop();  // the server was removed: the State card says so
    else replace(errorSlot, message(e.message));
  });
  return h('section', { class: 'tcj-card tcj-relay', 'aria-labelledby': 'relay-heading' },
    h('h2', { id: 'relay-heading' }, 'Relay'),
    h('p', { class: 'tcj-subtle' }, 'The service reaches this TeamCity through a relay next to it, which connects out to the service with the relay token and signs in to TeamCity with its own credentials.'),
    h('p', { class: 'tcj-relay__state' }, headline, counters),
    facts, errorSlot,
    h('div', { class: 'tcj-actions' }, tokenButton, revokeButton), result);
}

// ---- Preview ----

function renderPreview(body, server, ctx) {
  const id = enc(server.id);
  const branch = field({ label: 'Branch', control: h('input', { type: 'text', spellcheck: 'false', placeholder: 'feature/ABC-123-login' }) });
  const commitMessage = field({ label: 'Commit message', control: h('textarea', { rows: '3', spellcheck: 'false', placeholder: '[ABC-123] Fix the login form' }) });
  const buildSelect = h('select', {}, h('option', { value: '' }, 'Loading recent builds…'));
  const build = field({ label: 'Or a recent build', control: buildSelect, hint: 'A build already read from TeamCity: its branch, commits and parameters.' });
  const useDraft = h('input', { type: 'checkbox', checked: true, id: uid('draft') });
  const draftNote = hasDraft(server.id)
    ? h('div', { class: 'tcj-checkbox' }, useDraft, h('label', { for: useDraft.id }, 'Use my unsaved changes to What to sync'))
    : null;
  const result = h('div', { class: 'tcj-preview__result', 'aria-live': 'polite' });
  const submit = button('Preview', null, { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'tcj-form tcj-preview__form', novalidate: true },
    h('p', { class: 'tcj-intro' }, 'See which issue keys a build would link to, its environment, and the exact record that would be sent to Jira, before you change anything.'),
    branch.el, commitMessage.el, build.el, draftNote,
    h('div', { class: 'tcj-actions' }, submit));
  body.append(h('section', { class: 'tcj-card' }, h('h2', {}, 'Preview'), form), result);

  get(`/api/v1/servers/${id}/builds?limit=20`).then(({ builds }) => {
    if (!ctx.alive) return;
    replace(buildSelect, h('option', { value: '' }, builds.length ? '— none: use the branch and message above —' : 'No builds read yet'),
      builds.map((b) => h('option', { value: String(b.build_id) },
        `${b.project_name ? `${b.project_name} / ` : ''}${b.build_type_name || b.build_type_id} #${b.number || b.build_id}${b.branch ? ` · ${b.branch}` : ''}`)));
  }, (e) => {
    if (!ctx.alive) return;
    replace(buildSelect, h('option', { value: '' }, 'Recent builds could not be read'));
    build.setError(e.message);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const request = {};
    if (buildSelect.value) {
      request.build_id = Number(buildSelect.value);
    } else {
      if (branch.control.value.trim()) request.branch = branch.control.value.trim();
      if (commitMessage.control.value.trim()) request.message = commitMessage.control.value;
      if (!request.branch && !request.message) {
        branch.setError('Enter a branch name or a commit message, or pick a recent build.');
        branch.control.focus();
        return;
      }
    }
    branch.setError('');
    if (draftNote && useDraft.checked) {
      const s = draftSettings(server.id);
      if (s) request.settings = { project_keys: s.project_keys, deployment_rules: s.deployment_rules };
    }
    setBusy(submit, true);
    replace(result, h('p', { class: 'tcj-subtle' }, 'Working it out…'));
    try {
      const preview = await post(`/api/v1/servers/${id}/preview`, request);
      if (ctx.alive) replace(result, previewResult(preview));
    } catch (e) {
      if (!ctx.alive) return;
      replace(result);
      if (e.field === 'branch') branch.setError(e.message);
      else if (e.field === 'message') commitMessage.setError(e.message);
      else if (e.field === 'build_id') build.setError(e.message);
      else replace(result, message(e.message));
    } finally {
      setBusy(submit, false);
    }
  });
}

function previewResult(p) {
  const keys = p.issue_keys || [];
  return h('section', { class: 'tcj-card tcj-preview', 'aria-labelledby': 'preview-result-heading' },
    h('h2', { id: 'preview-result-heading' }, 'Result'),
    p.build ? h('p', {}, 'Build ', p.build.web_url ? externalLink(p.build.web_url, p.build.name) : p.build.name,
                p.build.branch ? [' on ', h('code', {}, p.build.branch)] : null) : null,
    h('h3', {}, 'Issue keys'),
    keys.length
      ? h('p', { class: 'tcj-keys' }, keys.map((k) => lozenge(k, 'inprogress')))
      : h('p', {}, 'No issue keys: the build would appear on no Jira issue.'),
    h('div', { class: 'tcj-story__keys' },
      h('section', {}, h('h4', {}, 'Found'), keysFoundTable(p.keys_found)),
      h('section', {}, h('h4', {}, 'Dropped'), keysDroppedTable(p.keys_dropped))),
    h('h3', {}, 'Environment'),
    h('p', {}, p.environment ? environmentText(p.environment) : 'Not a deployment: it would be sent as a build.'),
    p.skip_reason ? message(`It would not be sent: ${p.skip_reason}`, 'warning') : null,
    p.notes && p.notes.length ? [h('h3', {}, 'Notes'), notesList(p.notes)] : null,
    h('h3', {}, 'Record sent to Jira'),
    p.record
      ? h('pre', { class: 'tcj-code', tabindex: '0', 'aria-label': 'The JSON record' }, JSON.stringify(p.record, null, 2))
      : h('p', { class: 'tcj-subtle' }, 'No record would be sent', p.skip_reason ? '.' : ' (see the notes above).'));
}
