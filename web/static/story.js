// The story of one build, as the diagnostics tell it: where its issue keys came from, which were
// dropped and why, its state in TeamCity and in Jira, when it was sent and what Jira answered.
import { h, lozenge, time, externalLink, count } from './dom.js';

const SOURCES = {
  branch: 'branch name',
  commit: 'commit message',
  commits: 'commit message',
  change: 'commit message',
  changes: 'commit message',
  commit_message: 'commit message',
  message: 'commit message',
  parameter: 'jira.issueKeys parameter',
  related_issues: 'TeamCity related issues',
  related: 'TeamCity related issues',
  upstream: 'the build it deploys',
  deployed_builds: 'the builds it deploys',
};

export function sourceText(source) {
  if (!source) return 'unknown';
  return SOURCES[source] || String(source).replace(/_/g, ' ');
}

// TeamCity state and status -> lozenge.
export function teamcityLozenge(story) {
  const state = story.teamcity_state;
  const status = (story.status || '').toUpperCase();
  if (state === 'queued') return lozenge('Queued', 'default');
  if (state === 'running') return lozenge(status === 'FAILURE' ? 'Running, failing' : 'Running', 'inprogress');
  if (state === 'deleted') return lozenge('Deleted', 'default');
  if (story.canceled || status === 'CANCELED' || status === 'CANCELLED') return lozenge('Canceled', 'default');
  if (status === 'SUCCESS') return lozenge('Success', 'success');
  if (status === 'FAILURE' || status === 'ERROR') return lozenge('Failed', 'failed');
  return lozenge(status ? status.toLowerCase() : (state || 'unknown'), 'default');
}

const JIRA_STATES = {
  successful: ['Successful', 'success'],
  failed: ['Failed', 'failed'],
  in_progress: ['In progress', 'inprogress'],
  pending: ['Pending', 'moved'],
  cancelled: ['Cancelled', 'default'],
  rolled_back: ['Rolled back', 'moved'],
  unknown: ['Unknown', 'default'],
};

export function jiraStateLozenge(state) {
  if (!state) return lozenge('none', 'default');
  const [text, tone] = JIRA_STATES[state] || [String(state).replace(/_/g, ' '), 'default'];
  return lozenge(text, tone);
}

export function outcomeLozenge(jira) {
  if (!jira || !jira.outcome) return lozenge(jira && jira.pending ? 'Waiting to be sent' : 'Not sent', 'default');
  switch (jira.outcome) {
    case 'accepted': return lozenge('Accepted by Jira', 'success');
    case 'rejected': return lozenge('Rejected by Jira', 'failed');
    case 'error': return lozenge('Sending failed', 'failed');
    case 'not_sent': return lozenge('Not sent', 'default');
    default: return lozenge(String(jira.outcome), 'default');
  }
}

// Whatever Jira answered, as readable lines: messages of rejections, unknown issue keys, and the
// rest as JSON text.
export function isEmptyDetail(detail) {
  if (detail === null || detail === undefined || detail === '') return true;
  if (Array.isArray(detail)) return detail.length === 0;
  return typeof detail === 'object' && Object.keys(detail).length === 0;
}

export function jiraDetail(detail) {
  if (isEmptyDetail(detail)) return null;
  const lines = [];
  const unknown = [];
  const walk = (value) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'string') { lines.push(value); return; }
    if (Array.isArray(value)) { value.forEach(walk); return; }
    if (typeof value === 'object') {
      const used = new Set();
      if (typeof value.message === 'string') { lines.push(value.message); used.add('message'); }
      for (const k of ['errors', 'errorMessages', 'messages']) {
        if (value[k] !== undefined) { walk(value[k]); used.add(k); }
      }
      for (const k of ['unknown_issue_keys', 'unknownIssueKeys']) {
        if (Array.isArray(value[k])) { unknown.push(...value[k].map(String)); used.add(k); }
      }
      const rest = Object.keys(value).filter((k) => !used.has(k));
      if (rest.length) lines.push(JSON.stringify(Object.fromEntries(rest.map((k) => [k, value[k]]))));
      return;
    }
    lines.push(String(value));
  };
  walk(detail);
  return h('div', { class: 'tcj-story__jira-detail' },
    lines.length ? h('ul', { class: 'tcj-list' }, lines.map((l) => h('li', {}, l))) : null,
    unknown.length ? h('p', {}, 'Issue keys Jira does not know: ', unknown.map((k, i) => [i ? ', ' : '', h('code', {}, k)])) : null);
}

// "commit message (change 562)", "branch name".
function whereText(k) {
  const source = sourceText(k.source);
  return k.where && source === 'commit message' ? `${source} (change ${k.where})` : source;
}

export function keysFoundTable(found) {
  if (!found || found.length === 0) return h('p', { class: 'tcj-subtle' }, 'No issue keys found.');
  return h('table', { class: 'tcj-table tcj-table--compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Found in'))),
    h('tbody', {}, found.map((k) => h('tr', {}, h('td', {}, h('code', { class: 'tcj-key' }, k.key)), h('td', {}, whereText(k))))));
}

export function keysDroppedTable(dropped) {
  if (!dropped || dropped.length === 0) return h('p', { class: 'tcj-subtle' }, 'None.');
  return h('table', { class: 'tcj-table tcj-table--compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Candidate'), h('th', { scope: 'col' }, 'Why it was dropped'))),
    h('tbody', {}, dropped.map((k) => h('tr', {}, h('td', {}, h('code', { class: 'tcj-key' }, k.key || k.text)),
      h('td', {}, k.reason || '', k.source ? h('div', { class: 'tcj-subtle' }, `in the ${whereText(k)}`) : null)))));
}

export function environmentText(env) {
  if (!env) return null;
  return h('span', {}, env.name, ' ', lozenge(env.type || 'unmapped', env.type === 'unmapped' || !env.type ? 'moved' : 'default'));
}

function fact(term, ...value) {
  return [h('dt', {}, term), h('dd', {}, ...value)];
}

export function storyCard(story) {
  const jira = story.jira || {};
  const title = [story.project_name, story.build_type_name].filter(Boolean).join(' / ') || story.build_type_id || 'Build';
  const number = story.number ? `#${story.number}` : `id ${story.build_id}`;
  const keys = story.issue_keys || [];
  const facts = h('dl', { class: 'tcj-facts' },
    fact('TeamCity', teamcityLozenge(story), story.personal ? [' ', lozenge('Personal', 'moved')] : null),
    fact('In Jira', jiraStateLozenge(story.jira_state), ' ', outcomeLozenge(jira)),
    story.branch ? fact('Branch', h('code', {}, story.branch)) : null,
    story.is_deployment ? fact('Environment', environmentText(story.environment) || 'none') : null,
    fact('Sent', jira.last_sent_at ? time(jira.last_sent_at) : h('span', { class: 'tcj-subtle' }, 'never'),
      jira.attempts ? ` (${count(jira.attempts, 'attempt')})` : null,
      jira.pending ? [' ', lozenge('Pending', 'moved')] : null),
    story.started_at ? fact('Started', time(story.started_at)) : null,
    story.finished_at ? fact('Finished', time(story.finished_at)) : null,
    story.tests ? fact('Tests', testsText(story.tests)) : null,
    fact('Server', story.server_name || ''));
  return h('article', { class: 'tcj-card tcj-story', dataset: { buildId: String(story.build_id) } },
    h('header', { class: 'tcj-story__header' },
      h('h3', { class: 'tcj-story__title' }, title, ' ', h('span', { class: 'tcj-story__number' }, number)),
      story.web_url ? externalLink(story.web_url, 'Open in TeamCity') : null),
    facts,
    story.skip_reason ? h('div', { class: 'tcj-message tcj-message--warning' }, h('p', {}, 'Not sent to Jira: ', story.skip_reason)) : null,
    h('h4', {}, keys.length ? `Issue keys sent: ${keys.join(', ')}` : 'No issue keys: Jira shows this build on no issue'),
    h('div', { class: 'tcj-story__keys' },
      h('section', {}, h('h5', {}, 'Found'), keysFoundTable(story.keys_found)),
      h('section', {}, h('h5', {}, 'Dropped'), keysDroppedTable(story.keys_dropped))),
    !isEmptyDetail(jira.detail) ? h('section', {}, h('h4', {}, 'What Jira answered'), jiraDetail(jira.detail)) : null,
    story.notes && story.notes.length ? h('section', {}, h('h4', {}, 'Notes'), notesList(story.notes)) : null);
}

// What was changed or left out to fit Jira's limits.
export function notesList(notes) {
  return h('ul', { class: 'tcj-list' }, notes.map((n) => h('li', {}, n.field ? [h('code', {}, n.field), ': '] : null, n.message)));
}

export function testsText(tests) {
  if (!tests) return '';
  const parts = [];
  const total = tests.count ?? tests.total;
  if (total !== undefined) parts.push(count(total, 'test'));
  if (tests.passed) parts.push(`${tests.passed} passed`);
  if (tests.failed) parts.push(`${tests.failed} failed`);
  if (tests.ignored || tests.skipped) parts.push(`${tests.ignored || tests.skipped} ignored`);
  return parts.join(', ');
}
