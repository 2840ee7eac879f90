// Building DOM without HTML strings: every text from TeamCity, Jira or the API goes in as a text
// node, so nothing it contains can become markup. There is deliberately no way to set innerHTML.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'required', 'readOnly',
                            'indeterminate', 'multiple', 'open']);

// h('button', {class: 'x', onclick: fn, type: 'button'}, 'text', child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'innerHTML' || key === 'outerHTML') throw new Error('no HTML strings');
    if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else if (value === false) {
      continue;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let ids = 0;
export function uid(prefix = 'tcj') {
  ids += 1;
  return `${prefix}-${ids}`;
}

// A labelled form field: label, control, hint and a slot for its error message, wired with
// aria-describedby so screen readers read the hint and the error with the control.
export function field({ label, control, hint, id = uid('field') }) {
  control.id = id;
  const hintEl = hint ? h('p', { class: 'tcj-hint', id: `${id}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'tcj-field-error', id: `${id}-error`, hidden: true });
  control.setAttribute('aria-describedby', [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '));
  const wrapper = h('div', { class: 'tcj-field' }, h('label', { for: id }, label), control, hintEl, errorEl);
  return {
    el: wrapper,
    control,
    setError(message) {
      errorEl.textContent = message || '';
      errorEl.hidden = !message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

// Atlassian lozenge: tone is success, failed, inprogress, moved, default (plus the issue panel's
// pending, cancelled, unknown).
export function lozenge(text, tone = 'default') {
  return h('span', { class: `tcj-lozenge tcj-lozenge--${tone}` }, text);
}

export function button(text, onclick, { kind = 'default', type = 'button', ...rest } = {}) {
  const el = h('button', { type, class: `tcj-button tcj-button--${kind}`, ...rest }, text);
  // Registered before onclick: a busy button (setBusy) ignores clicks and, as a form's submit
  // button, the Enter that submits the form from one of its fields.
  el.addEventListener('click', (event) => {
    if (el.getAttribute('aria-disabled') !== 'true') return;
    event.preventDefault();
    event.stopImmediatePropagation();
  });
  if (onclick) el.addEventListener('click', onclick);
  return el;
}

// Marks a button of button() busy while its action runs, or not. It is not disabled: a disabled
// button drops the keyboard focus to the page's body, and the next Tab would start from the top
// of the page. A busy one keeps the focus, is announced as unavailable and ignores activation.
export function setBusy(el, on) {
  if (on) el.setAttribute('aria-disabled', 'true');
  else el.removeAttribute('aria-disabled');
}

// A box that states a problem or a result in words; role=alert for errors so they are announced.
export function message(text, tone = 'error', ...extra) {
  return h('div', { class: `tcj-message tcj-message--${tone}`, role: tone === 'error' ? 'alert' : 'status' },
           h('p', {}, text), ...extra);
}

export function time(iso, { relative = true } = {}) {
  if (!iso) return h('span', { class: 'tcj-subtle' }, 'never');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: date.toISOString(), title: date.toLocaleString() },
           relative ? relativeTime(date) : date.toLocaleString());
}

export function relativeTime(date) {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 5) return 'just now';
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 86400) text = `${Math.round(s / 3600)} h`;
  else if (s < 86400 * 45) text = `${Math.round(s / 86400)} days`;
  else return date.toLocaleDateString();
  return future ? `in ${text}` : `${text} ago`;
}

export function count(n, one, many = `${one}s`) {
  const value = Number(n) || 0;
  return `${value.toLocaleString('en-US')} ${value === 1 ? one : many}`;
}

export function number(n) {
  return (Number(n) || 0).toLocaleString('en-US');
}

// A link that leaves the app (TeamCity): a new tab, no opener, only http(s) URLs.
export function externalLink(url, text) {
  let safe = null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') safe = parsed.href;
  } catch { /* not a URL */ }
  if (!safe) return h('span', {}, text);
  return h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer' }, text);
}
