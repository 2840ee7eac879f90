'use strict';
// Checks shared by the Builds and Deployments validators. Limits follow the
// published Jira Software OpenAPI (see connect-and-jira-devinfo.md §4.1-4.3).

const ISSUE_KEY = /^\w{1,255}-\d{1,255}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isInt64(v) {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isRfc3339(v) {
  if (typeof v !== 'string') return false;
  const m = RFC3339.exec(v);
  if (!m) return false;
  const [, , mo, d, h, mi, s] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  return !Number.isNaN(Date.parse(v));
}

function isHttpUrl(v) {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

// Pushes a message when a string field is missing/wrong/too long.
function checkString(errors, obj, field, { max = 255, required = false, label = field, url = false } = {}) {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (required) errors.push(`'${label}' is required`);
    return;
  }
  if (typeof v !== 'string') { errors.push(`'${label}' must be a string`); return; }
  if (required && v.length === 0) { errors.push(`'${label}' must not be empty`); return; }
  if (v.length > max) errors.push(`'${label}' must not be longer than ${max} characters`);
  if (url && !isHttpUrl(v)) errors.push(`'${label}' must be a valid URL`);
}

function checkInt(errors, obj, field, { required = false, label = field, min = null } = {}) {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (required) errors.push(`'${label}' is required`);
    return;
  }
  if (!isInt64(v)) { errors.push(`'${label}' must be an integer`); return; }
  if (min !== null && v < min) errors.push(`'${label}' must be >= ${min}`);
}

function checkEnum(errors, obj, field, allowed, { required = false, label = field } = {}) {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (required) errors.push(`'${label}' is required`);
    return;
  }
  if (!allowed.includes(v)) errors.push(`'${label}' must be one of [${allowed.join(', ')}]`);
}

function checkLastUpdated(errors, obj) {
  if (obj.lastUpdated === undefined || obj.lastUpdated === null) errors.push("'lastUpdated' is required");
  else if (!isRfc3339(obj.lastUpdated)) errors.push("'lastUpdated' must be an RFC 3339 date-time");
}

function checkSchemaVersion(errors, obj) {
  if (obj.schemaVersion !== undefined && obj.schemaVersion !== '1.0') errors.push("'schemaVersion' must be \"1.0\"");
}

// issueKeys: 1..100 strings matching ^\w{1,255}-\d{1,255}$
function checkIssueKeys(errors, keys, label = 'issueKeys') {
  if (!Array.isArray(keys)) { errors.push(`'${label}' must be an array`); return; }
  if (keys.length < 1 || keys.length > 100) errors.push(`'${label}' must contain between 1 and 100 items (got ${keys.length})`);
  for (const k of keys) {
    if (typeof k !== 'string' || !ISSUE_KEY.test(k)) {
      errors.push(`'${label}' contains an invalid issue key: ${JSON.stringify(k).slice(0, 80)}`);
      break;
    }
  }
}

// Whole-request checks; a non-empty result means 400 with [{message}].
function checkEnvelope(body, listName) {
  const errors = [];
  if (!isObject(body)) return ['Request body must be a JSON object'];
  const list = body[listName];
  if (list === undefined || list === null) errors.push(`'${listName}' is required`);
  else if (!Array.isArray(list)) errors.push(`'${listName}' must be an array`);
  else {
    if (list.length < 1 || list.length > 100) errors.push(`'${listName}' must contain between 1 and 100 items (got ${list.length})`);
    if (list.some((item) => !isObject(item))) errors.push(`every item of '${listName}' must be a JSON object`);
  }
  if (body.properties !== undefined) errors.push(...checkProperties(body.properties));
  if (body.providerMetadata !== undefined) {
    if (!isObject(body.providerMetadata)) errors.push("'providerMetadata' must be an object");
    else checkString(errors, body.providerMetadata, 'product', { label: 'providerMetadata.product' });
  }
  return errors;
}

function checkProperties(props) {
  if (!isObject(props)) return ["'properties' must be an object of string values"];
  const errors = [];
  const keys = Object.keys(props);
  if (keys.length > 5) errors.push(`'properties' must have at most 5 entries (got ${keys.length})`);
  for (const k of keys) {
    if (k.includes(':')) errors.push(`property key '${k}' must not contain ':'`);
    if (k.startsWith('_')) errors.push(`property key '${k}' must not start with '_'`);
    if (k.length === 0 || k.length > 255) errors.push('property keys must be 1..255 characters');
    const v = props[k];
    if (typeof v !== 'string') errors.push(`property '${k}' must have a string value`);
    else if (v.length > 255) errors.push(`property '${k}' value must not be longer than 255 characters`);
  }
  return errors;
}

module.exports = {
  ISSUE_KEY, isObject, isInt64, isRfc3339, isHttpUrl, checkString, checkInt, checkEnum,
  checkLastUpdated, checkSchemaVersion, checkIssueKeys, checkEnvelope, checkProperties,
};
