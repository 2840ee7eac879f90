'use strict';
// Per-item validation of BuildData (connect-and-jira-devinfo.md §4.2). Returns a
// list of messages; an empty list means the item is structurally acceptable.
const c = require('./validate-common');

const BUILD_STATES = ['pending', 'in_progress', 'successful', 'failed', 'cancelled', 'unknown'];

function validateBuild(b) {
  const errors = [];
  c.checkSchemaVersion(errors, b);
  c.checkString(errors, b, 'pipelineId', { required: true });
  c.checkInt(errors, b, 'buildNumber', { required: true });
  c.checkInt(errors, b, 'updateSequenceNumber', { required: true });
  c.checkString(errors, b, 'displayName', { required: true });
  c.checkString(errors, b, 'description');
  c.checkString(errors, b, 'label');
  c.checkString(errors, b, 'url', { required: true, max: 2000, url: true });
  c.checkEnum(errors, b, 'state', BUILD_STATES, { required: true });
  c.checkLastUpdated(errors, b);
  if (b.issueKeys === undefined || b.issueKeys === null) errors.push("'issueKeys' is required");
  else c.checkIssueKeys(errors, b.issueKeys);
  if (b.testInfo !== undefined) checkTestInfo(errors, b.testInfo);
  if (b.references !== undefined) checkReferences(errors, b.references);
  return errors;
}

function checkTestInfo(errors, t) {
  if (!c.isObject(t)) { errors.push("'testInfo' must be an object"); return; }
  c.checkInt(errors, t, 'totalNumber', { required: true, label: 'testInfo.totalNumber', min: 0 });
  c.checkInt(errors, t, 'numberPassed', { required: true, label: 'testInfo.numberPassed', min: 0 });
  c.checkInt(errors, t, 'numberFailed', { required: true, label: 'testInfo.numberFailed', min: 0 });
  c.checkInt(errors, t, 'numberSkipped', { label: 'testInfo.numberSkipped', min: 0 });
}

function checkReferences(errors, refs) {
  if (!Array.isArray(refs)) { errors.push("'references' must be an array"); return; }
  if (refs.length < 1 || refs.length > 5) errors.push(`'references' must contain between 1 and 5 items (got ${refs.length})`);
  refs.forEach((r, i) => {
    if (!c.isObject(r)) { errors.push(`'references[${i}]' must be an object`); return; }
    if (r.commit !== undefined) {
      if (!c.isObject(r.commit)) errors.push(`'references[${i}].commit' must be an object`);
      else {
        c.checkString(errors, r.commit, 'id', { required: true, label: `references[${i}].commit.id` });
        c.checkString(errors, r.commit, 'repositoryUri', { required: true, max: 2000, label: `references[${i}].commit.repositoryUri` });
      }
    }
    if (r.ref !== undefined) {
      if (!c.isObject(r.ref)) errors.push(`'references[${i}].ref' must be an object`);
      else {
        c.checkString(errors, r.ref, 'name', { required: true, label: `references[${i}].ref.name` });
        c.checkString(errors, r.ref, 'uri', { required: true, max: 2000, label: `references[${i}].ref.uri` });
      }
    }
  });
}

module.exports = { validateBuild, BUILD_STATES };
