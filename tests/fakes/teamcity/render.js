'use strict';
// Generic bean renderer implementing TeamCity's fields semantics:
// - each field of a bean has a form: 'S' (short and long), 'L' (long only) or
//   'H' (hidden: only when asked for by name);
// - fields included by a form (not named) drop default values (false, 0, empty
//   list, null) unless marked keep; named fields are emitted even when false/0
//   (null/undefined are always omitted);
// - a nested bean named without parentheses renders in its short form; one
//   included by form renders short too (or fully for "**").
const { SHORT, ALL_DEEP } = require('./fields');

// field(name, form, get, opts): opts.bean (nested bean), opts.list (value is an
// array of beans), opts.keep (never suppress), opts.raw (pre-rendered value).
function field(name, form, get, opts = {}) {
  return { name, form, get, bean: opts.bean || null, list: !!opts.list, keep: !!opts.keep };
}

function includedByForm(base, form) {
  if (!base || base === 'none') return false;
  if (base === 'short') return form === 'S';
  return form === 'S' || form === 'L'; // long, all, allDeep
}

function isDefault(v) {
  return v === false || v === 0 || (Array.isArray(v) && v.length === 0);
}

function render(bean, entity, spec, ctx) {
  const s = spec || SHORT;
  const out = {};
  const fields = typeof bean === 'function' ? bean() : bean;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    let explicit = false;
    let childSpec;
    if (s.items && s.items.has(f.name)) {
      explicit = true;
      childSpec = s.items.get(f.name) || SHORT;
    } else if (!includedByForm(s.base, f.form)) {
      continue;
    } else {
      childSpec = s.base === 'allDeep' ? ALL_DEEP : SHORT;
    }
    let v = f.get(entity, ctx, childSpec);
    if (v === undefined || v === null) continue;
    if (f.bean) {
      if (f.list) {
        if (!explicit && v.length === 0 && !f.keep) continue;
        const arr = new Array(v.length);
        for (let k = 0; k < v.length; k++) arr[k] = render(f.bean, v[k], childSpec, ctx);
        v = arr;
      } else {
        v = render(f.bean, v, childSpec, ctx);
      }
    } else if (!explicit && !f.keep && isDefault(v)) {
      continue;
    }
    out[f.name] = v;
  }
  return out;
}

module.exports = { field, render };
