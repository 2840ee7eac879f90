'use strict';
// Corrupted fields: one field of one build answered with another value wherever the REST API
// renders that build as a top-level build object (pages of /builds and /buildQueue, a build by
// locator), so a test can show what one unreadable build costs a sync, and then undo it. Driven by
// /_control/servers/{name}/corrupt (control.js); kept per server in `server.corruptions`
// (build id -> Map(field -> value)).
const { HttpError } = require('../lib/http-error');

// "number", "buildType", "buildType.internalId", "snapshot-dependencies": a field, or a field of a
// nested object.
const FIELD = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*$/;

function corruptionsOf(server) {
  if (!server.corruptions) server.corruptions = new Map();
  return server.corruptions;
}

// Checks a POST body {buildId, field, value} against the server; the corruption to store.
function parseCorruption(server, spec) {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new HttpError(400, { error: 'body must be an object {buildId, field, value}' });
  for (const key of Object.keys(spec)) {
    if (!['buildId', 'field', 'value'].includes(key)) throw new HttpError(400, { error: `unknown key ${key}` });
  }
  if (!Number.isInteger(spec.buildId)) throw new HttpError(400, { error: 'buildId must be an integer' });
  if (typeof spec.field !== 'string' || !FIELD.test(spec.field)) {
    throw new HttpError(400, { error: 'field must name a build field, nested ones with dots: "number", "buildType.internalId"' });
  }
  if (!('value' in spec)) throw new HttpError(400, { error: 'value is required (null removes the field)' });
  server.buildOr404(spec.buildId);
  return { buildId: spec.buildId, field: spec.field, value: spec.value };
}

function addCorruption(server, c) {
  const all = corruptionsOf(server);
  if (!all.has(c.buildId)) all.set(c.buildId, new Map());
  all.get(c.buildId).set(c.field, c.value);
}

// Removes the corruptions of one build (one field of it when `field` is given), or all of them;
// how many were removed.
function removeCorruptions(server, buildId = null, field = null) {
  const all = corruptionsOf(server);
  let removed = 0;
  for (const [id, fields] of all) {
    if (buildId !== null && id !== buildId) continue;
    for (const name of [...fields.keys()]) {
      if (field !== null && name !== field) continue;
      fields.delete(name);
      removed += 1;
    }
    if (fields.size === 0) all.delete(id);
  }
  return removed;
}

function listCorruptions(server) {
  const out = [];
  for (const [buildId, fields] of corruptionsOf(server)) {
    for (const [field, value] of fields) out.push({ buildId, field, value });
  }
  return out.sort((a, b) => a.buildId - b.buildId || a.field.localeCompare(b.field));
}

// Applies the build's corruptions to one rendered build object, in place: the field gets the value
// (added when the answer did not have it); null removes it. A nested field is changed only when the
// objects on its way are there (a corruption adds no nesting TeamCity did not send).
function corruptBuild(server, rendered) {
  const fields = server.corruptions && rendered && server.corruptions.get(rendered.id);
  if (!fields) return rendered;
  for (const [field, value] of fields) {
    const path = field.split('.');
    let target = rendered;
    for (const step of path.slice(0, -1)) {
      target = target[step];
      if (!target || typeof target !== 'object' || Array.isArray(target)) break;
    }
    if (!target || typeof target !== 'object' || Array.isArray(target)) continue;
    const last = path[path.length - 1];
    if (value === null) delete target[last];
    else target[last] = value;
  }
  return rendered;
}

module.exports = { parseCorruption, addCorruption, removeCorruptions, listCorruptions, corruptBuild };
