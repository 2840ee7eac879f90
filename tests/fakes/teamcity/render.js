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

// Which fields a (bean, spec) pair emits never changes, so it is planned once:
// specs come from the parseFields cache (or are the SHORT/LONG constants) and
// beans are module-level arrays. This keeps per-build work to the getters.
const plans = new WeakMap(); // spec -> Map(bean array -> plan)

function planFor(fields, s) {
  let bySpec = plans.get(s);
  if (!bySpec) { bySpec = new Map(); plans.set(s, bySpec); }
  let plan = bySpec.get(fields);
  if (plan) return plan;
  plan = [];
  for (const f of fields) {
    const item = s.items ? s.items.get(f.name) : undefined;
    if (item !== undefined) plan.push({ f, explicit: true, childSpec: item || SHORT });
    else if (includedByForm(s.base, f.form)) plan.push({ f, explicit: false, childSpec: s.base === 'allDeep' ? ALL_DEEP : SHORT });
  }
  bySpec.set(fields, plan);
  return plan;
}

function render(bean, entity, spec, ctx) {
  const s = spec || SHORT;
  const out = {};
  const plan = planFor(typeof bean === 'function' ? bean() : bean, s);
  for (let i = 0; i < plan.length; i++) {
    const { f, explicit, childSpec } = plan[i];
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
