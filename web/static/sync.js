// What to sync for one server: the TeamCity project tree (all by default), the Jira project-key
// allowlist, and the deployment environment rules with a live table of what every deployment
// configuration maps to under the rules being edited. Unsaved edits are kept per server while the
// page is open, so Preview can use them before they are saved.
import { h, replace, button, message, field, lozenge, uid, count, setBusy } from './dom.js';
import { get, post, put, enc } from './api.js';

const ENV_TYPES = [
  ['', 'Auto (by name)'],
  ['production', 'Production'],
  ['staging', 'Staging'],
  ['testing', 'Testing'],
  ['development', 'Development'],
  ['unmapped', 'Unmapped'],
];
const FROM = [
  ['parameter', 'A TeamCity parameter', 'Parameter name', 'env.DEPLOY_ENV'],
  ['environment', 'A fixed name', 'Environment name', 'Production'],
  ['name', "The configuration's name", '', ''],
];

const drafts = new Map();  // server id -> {saved, projects, keysText, rules}

function normalizeKeys(text) {
  return text.split(/[\s,;]+/).map((k) => k.trim().toUpperCase()).filter(Boolean);
}

function ruleFromJson(r) {
  return {
    build_types: r.build_types || '',
    from: r.parameter ? 'parameter' : r.environment ? 'environment' : 'name',
    value: r.parameter || r.environment || '',
    type: r.type || '',
  };
}

function ruleToJson(r) {
  const out = { build_types: r.build_types.trim() };
  if (r.from === 'parameter' && r.value.trim()) out.parameter = r.value.trim();
  if (r.from === 'environment' && r.value.trim()) out.environment = r.value.trim();
  if (r.type) out.type = r.type;
  return out;
}

function settingsOf(draft) {
  return {
    projects: draft.projects,
    project_keys: normalizeKeys(draft.keysText),
    deployment_rules: draft.rules.map(ruleToJson),
  };
}

function normalizeSaved(s) {
  return {
    projects: s.projects === null || s.projects === undefined ? null : [...s.projects],
    project_keys: s.project_keys || [],
    deployment_rules: (s.deployment_rules || []).map((r) => ruleToJson(ruleFromJson(r))),
  };
}

function isDirty(draft) {
  return JSON.stringify(settingsOf(draft)) !== JSON.stringify(draft.saved);
}

export function hasDraft(serverId) {
  const d = drafts.get(serverId);
  return !!d && isDirty(d);
}

export function draftSettings(serverId) {
  const d = drafts.get(serverId);
  return d ? settingsOf(d) : null;
}

function freshDraft(saved) {
  const s = normalizeSaved(saved);
  return { saved: s, projects: s.projects, keysText: s.project_keys.join(', '), rules: s.deployment_rules.map(ruleFromJson) };
}

// ---- the project tree ----

function projectTree(projects, buildTypes) {
  const nodes = new Map();
  for (const p of projects) nodes.set(p.id, { id: p.id, name: p.name, parent: p.parent_id || null, children: [], direct: 0 });
  for (const bt of buildTypes) if (nodes.has(bt.project_id)) nodes.get(bt.project_id).direct += 1;
  const top = [];
  for (const n of nodes.values()) {
    if (n.id === '_Root') continue;
    const parent = n.parent && n.parent !== '_Root' ? nodes.get(n.parent) : null;
    if (parent) parent.children.push(n);
    else top.push(n);
  }
  const byName = (a, b) => a.name.localeCompare(b.name);
  for (const n of nodes.values()) n.children.sort(byName);
  top.sort(byName);
  const parentOf = (n) => (n.parent && n.parent !== '_Root' ? nodes.get(n.parent) || null : null);
  const total = (n) => n.direct + n.children.reduce((sum, c) => sum + total(c), 0);
  return { nodes, top, parentOf, total };
}

function subtree(node, out = []) {
  out.push(node);
  for (const c of node.children) subtree(c, out);
  return out;
}

// A parent counts as chosen when all its subprojects are (TeamCity's affectedProject includes them).
function settle(tree, checked) {
  const visit = (n) => {
    if (n.children.length === 0) return checked.has(n.id);
    const all = n.children.map(visit).every(Boolean);
    if (all) checked.add(n.id);
    else checked.delete(n.id);
    return all;
  };
  tree.top.forEach(visit);
}

function checkedFrom(tree, projects) {
  const checked = new Set();
  if (projects === null) {
    for (const id of tree.nodes.keys()) checked.add(id);
    return checked;
  }
  for (const id of projects) {
    const n = tree.nodes.get(id);
    if (id === '_Root') for (const k of tree.nodes.keys()) checked.add(k);
    else if (n) for (const d of subtree(n)) checked.add(d.id);
  }
  settle(tree, checked);
  return checked;
}

function projectsFrom(tree, checked, unknown) {
  if (tree.top.every((n) => checked.has(n.id)) && unknown.length === 0) return null;
  const out = [];
  const visit = (n) => {
    if (checked.has(n.id)) out.push(n.id);
    else n.children.forEach(visit);
  };
  tree.top.forEach(visit);
  return [...out, ...unknown];
}

// ---- the screen ----

export function renderSync(body, server, ctx) {
  const id = enc(server.id);
  const treeSlot = h('div', { class: 'tcj-tree' }, h('p', { class: 'tcj-subtle' }, 'Loading the TeamCity projects…'));
  const treeError = h('div', {});
  const rulesList = h('ol', { class: 'tcj-rules' });
  const rulesError = h('div', {});
  const envSlot = h('div', { class: 'tcj-env-table', 'aria-live': 'polite' });
  const envError = h('div', {});
  const showAll = h('input', { type: 'checkbox', id: uid('show-all') });
  const saveStatus = h('span', { class: 'tcj-save-bar__status', role: 'status' });
  const saveButton = button('Save', null, { kind: 'primary', type: 'submit' });
  const discardButton = button('Discard changes', () => {
    drafts.set(server.id, freshDraft(draft.saved));
    replace(body);
    renderSync(body, server, ctx);
    ctx.announce('Changes discarded.');
  }, { kind: 'subtle' });
  const keysInput = h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'ABC, DEMO' });
  const keys = field({ label: 'Jira project keys', control: keysInput,
    hint: 'Optional, comma separated. When set, only issue keys of these projects are linked; otherwise those of every project on your Jira site.' });

  const addRuleButton = button('Add rule', () => {
    draft.rules.push({ build_types: '', from: 'parameter', value: '', type: '' });
    renderRules();
    rulesList.lastElementChild.querySelector('input').focus();
    changed();
  });

  let draft = null;
  let tree = null;
  let checked = null;
  let unknownProjects = [];

  const form = h('form', { class: 'tcj-sync', novalidate: true },
    h('section', { class: 'tcj-card', 'aria-labelledby': 'projects-heading' },
      h('h2', { id: 'projects-heading' }, 'TeamCity projects'),
      h('p', { class: 'tcj-subtle' }, 'The builds of the chosen projects (with their subprojects) are sent to Jira.'),
      treeError, treeSlot),
    h('section', { class: 'tcj-card', 'aria-labelledby': 'keys-heading' },
      h('h2', { id: 'keys-heading' }, 'Issue keys'), keys.el),
    h('section', { class: 'tcj-card', 'aria-labelledby': 'rules-heading' },
      h('h2', { id: 'rules-heading' }, 'Deployment environments'),
      h('p', { class: 'tcj-subtle' },
        'Build configurations of TeamCity type Deployment become Jira deployments, and so does every configuration a rule matches. ',
        'The first rule that matches a configuration (by name or id; * and ? are wildcards) decides its environment and type.'),
      rulesList, rulesError,
      h('div', { class: 'tcj-actions' }, addRuleButton),
      h('h3', { class: 'tcj-env-table__heading' }, 'What the rules give'),
      h('div', { class: 'tcj-checkbox' }, showAll, h('label', { for: showAll.id }, 'Show the build configurations that are not deployments too')),
      envError, envSlot),
    h('div', { class: 'tcj-save-bar' }, saveButton, discardButton, saveStatus));
  body.append(form);
  showAll.addEventListener('change', () => { lastEnv && renderEnv(lastEnv); });

  // ---- state changes ----

  let envTimer = null;
  const changed = () => {
    const dirty = isDirty(draft);
    saveStatus.textContent = dirty ? 'Unsaved changes' : '';
    discardButton.disabled = !dirty;
    clearTimeout(envTimer);
    envTimer = setTimeout(refreshEnvironments, 300);
  };
  ctx.onCleanup(() => clearTimeout(envTimer));

  keysInput.addEventListener('input', () => { keys.setError(''); draft.keysText = keysInput.value; changed(); });

  // ---- project tree ----

  const renderTree = () => {
    const boxes = [];
    const sync = () => {
      for (const { node, input } of boxes) {
        if (node === null) {
          const all = tree.top.every((n) => checked.has(n.id));
          input.checked = all;
          input.indeterminate = !all && tree.top.some((n) => subtree(n).some((d) => checked.has(d.id)));
          continue;
        }
        input.checked = checked.has(node.id);
        input.indeterminate = !input.checked && subtree(node).some((d) => checked.has(d.id));
      }
    };
    const toggle = (node, on) => {
      const affected = node === null ? [...tree.nodes.values()] : subtree(node);
      for (const d of affected) (on ? checked.add(d.id) : checked.delete(d.id));
      settle(tree, checked);
      draft.projects = projectsFrom(tree, checked, unknownProjects);
      sync();
      changed();
    };
    const item = (node) => {
      const input = h('input', { type: 'checkbox', id: uid('project') });
      input.addEventListener('change', () => toggle(node, input.checked));
      boxes.push({ node, input });
      const n = tree.total(node);
      return h('li', {},
        h('div', { class: 'tcj-checkbox' }, input,
          h('label', { for: input.id }, node.name, ' ', h('span', { class: 'tcj-subtle' }, `(${count(n, 'build configuration')})`))),
        node.children.length ? h('ul', {}, node.children.map(item)) : null);
    };
    const allInput = h('input', { type: 'checkbox', id: uid('project-all') });
    allInput.addEventListener('change', () => toggle(null, allInput.checked));
    boxes.push({ node: null, input: allInput });
    replace(treeSlot,
      h('div', { class: 'tcj-checkbox tcj-tree__all' }, allInput, h('label', { for: allInput.id }, h('strong', {}, 'All projects'),
        ' ', h('span', { class: 'tcj-subtle' }, '(also the ones created later)'))),
      h('ul', { class: 'tcj-tree__list' }, tree.top.map(item)),
      unknownProjects.length
        ? h('p', { class: 'tcj-hint' }, `Also chosen, but not visible in TeamCity now: ${unknownProjects.join(', ')}. `,
            button('Forget them', () => {
              unknownProjects = [];
              draft.projects = projectsFrom(tree, checked, unknownProjects);
              renderTree();
              changed();
            }, { kind: 'link' }))
        : null);
    sync();
  };

  // ---- rules editor ----

  const renderRules = () => {
    replace(rulesList);
    if (draft.rules.length === 0) {
      rulesList.append(h('li', { class: 'tcj-rules__empty tcj-subtle' }, 'No rules: only configurations of TeamCity type Deployment are deployments, named after the configuration.'));
      return;
    }
    draft.rules.forEach((rule, index) => {
      const n = index + 1;
      const glob = field({ label: 'Build configurations', control: h('input', { type: 'text', spellcheck: 'false', value: rule.build_types, placeholder: 'Deploy*' }) });
      const fromSelect = h('select', {}, FROM.map(([v, label]) => h('option', { value: v, selected: rule.from === v }, label)));
      const from = field({ label: 'Environment from', control: fromSelect });
      const valueField = field({ label: 'Parameter name', control: h('input', { type: 'text', spellcheck: 'false', value: rule.value }) });
      const typeSelect = h('select', {}, ENV_TYPES.map(([v, label]) => h('option', { value: v, selected: rule.type === v }, label)));
      const type = field({ label: 'Type', control: typeSelect });
      const labelEl = valueField.el.querySelector('label');
      const syncFrom = () => {
        const spec = FROM.find(([v]) => v === rule.from);
        valueField.el.hidden = rule.from === 'name';
        labelEl.textContent = spec[2] || 'Value';
        valueField.control.placeholder = spec[3];
      };
      syncFrom();
      glob.control.addEventListener('input', () => { rule.build_types = glob.control.value; glob.setError(''); changed(); });
      fromSelect.addEventListener('change', () => { rule.from = fromSelect.value; syncFrom(); changed(); });
      valueField.control.addEventListener('input', () => { rule.value = valueField.control.value; valueField.setError(''); changed(); });
      typeSelect.addEventListener('change', () => { rule.type = typeSelect.value; changed(); });
      const move = (delta, focusLabel) => {
        const [r] = draft.rules.splice(index, 1);
        draft.rules.splice(index + delta, 0, r);
        renderRules();
        const target = rulesList.children[index + delta].querySelector(`[data-action="${focusLabel}"]`)
          || rulesList.children[index + delta].querySelector('input');
        target.focus();
        changed();
      };
      // Each name starts with the words on the button (WCAG 2.5.3), so "click Move up" works by voice.
      const up = button('Move up', () => move(-1, 'up'), { kind: 'subtle', disabled: index === 0, 'aria-label': `Move up rule ${n}`, dataset: { action: 'up' } });
      const down = button('Move down', () => move(1, 'down'), { kind: 'subtle', disabled: index === draft.rules.length - 1, 'aria-label': `Move down rule ${n}`, dataset: { action: 'down' } });
      const remove = button('Remove', () => {
        draft.rules.splice(index, 1);
        renderRules();
        const next = rulesList.children[Math.min(index, draft.rules.length - 1)];
        const input = next && next.querySelector('input');
        (input || addRuleButton).focus();
        changed();
        ctx.announce(`Rule ${n} removed.`);
      }, { kind: 'subtle', 'aria-label': `Remove rule ${n}` });
      rule.errors = { glob, value: valueField };
      rulesList.append(h('li', { class: 'tcj-rule' },
        h('fieldset', { class: 'tcj-rule__fieldset' },
          h('legend', { class: 'tcj-rule__legend' }, `Rule ${n}`),
          h('div', { class: 'tcj-rule__fields' }, glob.el, from.el, valueField.el, type.el),
          h('div', { class: 'tcj-rule__buttons' }, up, down, remove))));
    });
  };

  // ---- the live environment table ----

  let envSeq = 0;
  let lastEnv = null;
  const completeRules = () => draft.rules.filter((r) => r.build_types.trim()).map(ruleToJson);
  async function refreshEnvironments() {
    const seq = ++envSeq;
    envSlot.setAttribute('aria-busy', 'true');
    try {
      const result = await post(`/api/v1/servers/${id}/environments`, { deployment_rules: completeRules() });
      if (!ctx.alive || seq !== envSeq) return;
      replace(envError);
      lastEnv = result.build_types || [];
      renderEnv(lastEnv);
    } catch (e) {
      if (!ctx.alive || seq !== envSeq) return;
      replace(envError, message(e.message));
    } finally {
      if (seq === envSeq) envSlot.setAttribute('aria-busy', 'false');
    }
  }

  function renderEnv(list) {
    // The toggle only matters when the service lists configurations that are not deployments.
    showAll.parentElement.hidden = !list.some((b) => !b.deployment);
    const shown = showAll.checked ? list : list.filter((b) => b.deployment);
    const others = list.length - list.filter((b) => b.deployment).length;
    const unmapped = list.filter((b) => b.deployment && b.unmapped).length;
    if (shown.length === 0) {
      replace(envSlot, h('p', { class: 'tcj-subtle' }, list.length
        ? `No deployment configurations: none of the ${count(list.length, 'build configuration')} is of TeamCity type Deployment or matched by a rule.`
        : 'TeamCity shows no build configurations.'));
      return;
    }
    replace(envSlot,
      h('p', { class: 'tcj-env-table__summary' },
        `${count(list.length - others, 'deployment configuration')}`,
        unmapped ? [', ', h('strong', { class: 'tcj-text-warning' }, `${unmapped} unmapped`), ' (Jira shows them under an environment of type Unmapped)'] : null,
        others && !showAll.checked ? `; ${count(others, 'other configuration')} not shown.` : '.'),
      h('div', { class: 'tcj-table-wrap' }, h('table', { class: 'tcj-table' },
        h('caption', { class: 'tcj-visually-hidden' }, 'Deployment configurations and the environment each maps to'),
        h('thead', {}, h('tr', {}, ['Build configuration', 'Environment', 'Type', 'Decided by'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, shown.map((b) => {
          const env = b.environment;
          const unmappedRow = b.deployment && b.unmapped;
          return h('tr', { class: unmappedRow ? 'tcj-row--unmapped' : b.deployment ? '' : 'tcj-row--muted', dataset: { buildTypeId: b.id } },
            h('th', { scope: 'row' }, h('span', { class: 'tcj-subtle' }, b.project_name ? `${b.project_name} / ` : ''), b.name),
            h('td', {}, env ? env.name : h('span', { class: 'tcj-subtle' }, 'not a deployment')),
            h('td', {}, env ? lozenge(env.type === 'unmapped' ? 'Unmapped' : env.type, unmappedRow ? 'moved' : typeTone(env.type)) : ''),
            h('td', {}, b.matched_by || (b.deployment ? '' : '—')));
        })))));
  }

  // ---- load ----

  Promise.all([
    get(`/api/v1/servers/${id}/settings`),
    get(`/api/v1/servers/${id}/projects`).catch((e) => ({ error: e })),
  ]).then(([saved, projects]) => {
    if (!ctx.alive) return;
    const existing = drafts.get(server.id);
    const normalized = normalizeSaved(saved);
    if (existing && isDirty(existing)) {
      existing.saved = normalized;
      draft = existing;
      saveStatus.textContent = 'Unsaved changes (kept from before)';
    } else {
      draft = freshDraft(saved);
      drafts.set(server.id, draft);
    }
    keysInput.value = draft.keysText;
    discardButton.disabled = !isDirty(draft);
    renderRules();
    if (projects.error) {
      replace(treeSlot, draft.projects === null
        ? h('p', {}, 'Chosen: all projects.')
        : h('p', {}, `Chosen: ${draft.projects.join(', ')}.`));
      replace(treeError, message(`The project tree could not be read from TeamCity: ${projects.error.message}`));
    } else {
      tree = projectTree(projects.projects || [], projects.build_types || []);
      checked = checkedFrom(tree, draft.projects);
      unknownProjects = (draft.projects || []).filter((p) => p !== '_Root' && !tree.nodes.has(p));
      renderTree();
    }
    refreshEnvironments();
  }, (e) => {
    if (ctx.alive) replace(body, message(e.message));
  });

  // ---- save ----

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(rulesError);
    replace(treeError);
    let firstBad = null;
    for (const r of draft.rules) {
      if (!r.build_types.trim()) {
        r.errors.glob.setError('Enter the build configurations this rule is for, e.g. Deploy* (a name, an id or a pattern).');
        firstBad = firstBad || r.errors.glob.control;
      }
      if (r.from !== 'name' && !r.value.trim()) {
        r.errors.value.setError(r.from === 'parameter' ? 'Enter the parameter that holds the environment name, e.g. env.DEPLOY_ENV.' : 'Enter the environment name.');
        firstBad = firstBad || r.errors.value.control;
      }
    }
    if (firstBad) {
      firstBad.focus();
      return;
    }
    setBusy(saveButton, true);
    saveStatus.textContent = 'Saving…';
    try {
      const saved = await put(`/api/v1/servers/${id}/settings`, settingsOf(draft));
      if (!ctx.alive) return;
      draft.saved = normalizeSaved(saved);
      draft.keysText = draft.saved.project_keys.join(', ');
      keysInput.value = draft.keysText;
      saveStatus.textContent = 'Saved.';
      discardButton.disabled = true;
      ctx.announce('What to sync is saved. It applies from the next poll.');
    } catch (e) {
      saveStatus.textContent = '';
      if (e.field === 'project_keys') {
        keys.setError(e.message);
        keysInput.focus();
      } else if (e.field && e.field.startsWith('deployment_rules')) {
        replace(rulesError, message(e.message));
      } else if (e.field === 'projects') {
        replace(treeError, message(e.message));
      } else {
        replace(rulesError, message(e.message));
      }
    } finally {
      setBusy(saveButton, false);
    }
  });
}

function typeTone(type) {
  return type === 'production' ? 'inprogress' : 'default';
}
