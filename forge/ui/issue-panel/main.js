// The Forge issue panel (jira:issuePanel tc-issue-panel): the TeamCity builds of the issue Forge
// shows it on. The service answers for the issue named in Forge's invocation token, and sends each
// row's text ready to show (the Connect panel renders the same rows as HTML on the server).
import { get, useTransport } from '../../../web/static/api.js';
import { h, replace, message } from '../../../web/static/dom.js';
import { invokeRemoteTransport, openLinksThroughForge } from '../transport.js';

const root = document.getElementById('panel');

function row(build) {
  const title = build.web_url
    ? h('a', { href: build.web_url, target: '_blank', rel: 'noopener noreferrer' }, build.title)
    : build.title;
  return h('tr', {},
    h('td', { class: 'tcj-col-state' },
      h('span', { class: `tcj-lozenge tcj-lozenge--${build.state}` }, build.state_label)),
    h('td', { class: 'tcj-col-build' }, title,
      build.deployed_to ? h('div', { class: 'tcj-subtle' }, `deployed to ${build.deployed_to}`) : null),
    h('td', { class: 'tcj-col-branch' }, build.branch),
    h('td', { class: 'tcj-col-tests' }, build.tests),
    h('td', { class: 'tcj-col-duration' }, build.duration),
    h('td', { class: 'tcj-col-finished' }, build.finished_at || ''));
}

function render({ issue_key: key, builds }) {
  if (!Array.isArray(builds) || builds.length === 0) {
    replace(root, h('p', { class: 'tcj-empty' },
      `No TeamCity builds mention ${key} yet. Builds are linked when the issue key is in the branch name, ` +
      'a commit message or the jira.issueKeys build parameter.'));
    return;
  }
  replace(root, h('table', { class: 'tcj-builds' },
    h('thead', {}, h('tr', {}, ['State', 'Build', 'Branch', 'Tests', 'Duration', 'Finished (UTC)'].map((t) => h('th', {}, t)))),
    h('tbody', {}, builds.map(row))));
}

async function show() {
  try {
    render(await get('/api/v1/issue-panel'));
  } catch (e) {
    replace(root, message(e.message));
  }
}

useTransport(invokeRemoteTransport);
openLinksThroughForge();
show();
