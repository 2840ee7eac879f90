'use strict';
// Per-item validation of DeploymentData (connect-and-jira-devinfo.md §4.3).
const c = require('./validate-common');

const DEPLOYMENT_STATES = ['unknown', 'pending', 'in_progress', 'cancelled', 'failed', 'rolled_back', 'successful'];
const ENVIRONMENT_TYPES = ['unmapped', 'development', 'testing', 'staging', 'production'];
const ASSOCIATION_TYPES = ['issueKeys', 'issueIdOrKeys', 'serviceIdOrKeys', 'commit', 'repository'];
const ISSUE_ID_OR_KEY = /^(\w+-\d+|\d+)$/;

function validateDeployment(d) {
  const errors = [];
  c.checkSchemaVersion(errors, d);
  c.checkInt(errors, d, 'deploymentSequenceNumber', { required: true });
  c.checkInt(errors, d, 'updateSequenceNumber', { required: true });
  c.checkString(errors, d, 'displayName', { required: true });
  c.checkString(errors, d, 'url', { required: true, max: 2000, url: true });
  c.checkString(errors, d, 'description', { required: true });
  c.checkString(errors, d, 'label');
  c.checkInt(errors, d, 'duration');
  c.checkEnum(errors, d, 'state', DEPLOYMENT_STATES, { required: true });
  c.checkLastUpdated(errors, d);
  checkPipeline(errors, d.pipeline);
  checkEnvironment(errors, d.environment);
  const hasAssoc = d.associations !== undefined && d.associations !== null;
  const hasKeys = d.issueKeys !== undefined && d.issueKeys !== null;
  if (!hasAssoc && !hasKeys) errors.push("one of 'associations' or 'issueKeys' is required");
  if (hasAssoc) checkAssociations(errors, d.associations);
  if (hasKeys) c.checkIssueKeys(errors, d.issueKeys);
  if (d.commands !== undefined) {
    if (!Array.isArray(d.commands)) errors.push("'commands' must be an array");
    else if (d.commands.some((x) => !c.isObject(x) || typeof x.command !== 'string')) errors.push("'commands' items must be {command: string}");
  }
  return errors;
}

function checkPipeline(errors, p) {
  if (!c.isObject(p)) { errors.push("'pipeline' is required"); return; }
  c.checkString(errors, p, 'id', { required: true, label: 'pipeline.id' });
  c.checkString(errors, p, 'displayName', { required: true, label: 'pipeline.displayName' });
  c.checkString(errors, p, 'url', { required: true, max: 2000, url: true, label: 'pipeline.url' });
}

function checkEnvironment(errors, e) {
  if (!c.isObject(e)) { errors.push("'environment' is required"); return; }
  c.checkString(errors, e, 'id', { required: true, label: 'environment.id' });
  c.checkString(errors, e, 'displayName', { required: true, label: 'environment.displayName' });
  c.checkEnum(errors, e, 'type', ENVIRONMENT_TYPES, { required: true, label: 'environment.type' });
}

function checkAssociations(errors, list) {
  if (!Array.isArray(list)) { errors.push("'associations' must be an array"); return; }
  if (list.length < 1 || list.length > 3) errors.push(`'associations' must contain between 1 and 3 items (got ${list.length})`);
  let total = 0;
  list.forEach((a, i) => {
    const label = `associations[${i}]`;
    if (!c.isObject(a)) { errors.push(`'${label}' must be an object`); return; }
    if (!ASSOCIATION_TYPES.includes(a.associationType)) {
      errors.push(`'${label}.associationType' must be one of [${ASSOCIATION_TYPES.join(', ')}]`);
      return;
    }
    if (!Array.isArray(a.values) || a.values.length < 1) { errors.push(`'${label}.values' must be a non-empty array`); return; }
    total += a.values.length;
    for (const v of a.values) {
      const msg = checkAssociationValue(a.associationType, v);
      if (msg) { errors.push(`'${label}.values' ${msg}`); break; }
    }
  });
  if (total > 500) errors.push(`'associations' may hold at most 500 values in total (got ${total})`);
}

function checkAssociationValue(type, v) {
  if (type === 'issueKeys' || type === 'issueIdOrKeys') {
    const re = type === 'issueKeys' ? c.ISSUE_KEY : ISSUE_ID_OR_KEY;
    return typeof v === 'string' && re.test(v) ? null : `contains an invalid issue key or id: ${JSON.stringify(v).slice(0, 80)}`;
  }
  if (type === 'serviceIdOrKeys') return typeof v === 'string' && v.length >= 1 && v.length <= 255 ? null : 'contains an invalid service id';
  if (type === 'commit') {
    const ok = c.isObject(v) && typeof v.commitHash === 'string' && typeof v.repositoryId === 'string'
      && v.commitHash.length <= 255 && v.repositoryId.length <= 255 && v.commitHash && v.repositoryId;
    return ok ? null : 'commit values must be {commitHash, repositoryId} strings of at most 255 characters';
  }
  const ok = c.isObject(v) && typeof v.repositoryId === 'string' && v.repositoryId && v.repositoryId.length <= 255;
  return ok ? null : 'repository values must be {repositoryId} of at most 255 characters';
}

module.exports = { validateDeployment, DEPLOYMENT_STATES, ENVIRONMENT_TYPES };
