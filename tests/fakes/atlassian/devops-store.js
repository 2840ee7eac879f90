'use strict';
// Per-site storage of builds and deployments with Jira's semantics:
// - identity per provider (an app or an OAuth credential) + entity key;
// - the stored copy is replaced only when the incoming updateSequenceNumber is
//   strictly greater; equal/lower updates are ignored yet reported as accepted;
// - request-level properties are remembered with each stored item so that
//   bulkByProperties can delete by an AND of properties.
// Items are indexed by key in Maps, so a bulk of 100 is 100 O(1) operations.
const { validateBuild } = require('./validate-builds');
const { validateDeployment } = require('./validate-deployments');

const SEP = '\u0000';

class DevopsStore {
  constructor() {
    this.builds = new Map();
    this.deployments = new Map();
  }

  // exists(key) -> boolean tells whether a Jira issue key exists on the site.
  submitBuilds(provider, body, exists) {
    const accepted = [];
    const rejected = [];
    const unknown = new Set();
    const props = body.properties || {};
    const now = new Date().toISOString();
    for (const item of body.builds) {
      const key = { pipelineId: item.pipelineId, buildNumber: item.buildNumber };
      const errors = validateBuild(item);
      if (errors.length) { rejected.push({ key, errors: errors.map((message) => ({ message })) }); continue; }
      const known = [];
      const seen = new Set();
      for (const k of item.issueKeys) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (exists(k)) known.push(k); else unknown.add(k);
      }
      if (known.length === 0) {
        rejected.push({ key, errors: [{ message: 'No valid issues found for build' }] });
        continue;
      }
      upsert(this.builds, `${provider}${SEP}${item.pipelineId}${SEP}${item.buildNumber}`, {
        kind: 'build', provider, pipelineId: item.pipelineId, buildNumber: item.buildNumber,
        issueKeys: known, data: { ...item, issueKeys: known }, properties: props,
      }, item.updateSequenceNumber, now);
      accepted.push(key);
    }
    return { acceptedBuilds: accepted, rejectedBuilds: rejected, unknownIssueKeys: [...unknown] };
  }

  submitDeployments(provider, body, exists) {
    const accepted = [];
    const rejected = [];
    const unknownKeys = new Set();
    const unknownAssoc = new Map(); // associationType -> Set of JSON values
    const props = body.properties || {};
    const now = new Date().toISOString();
    for (const item of body.deployments) {
      const key = {
        pipelineId: item.pipeline && item.pipeline.id,
        environmentId: item.environment && item.environment.id,
        deploymentSequenceNumber: item.deploymentSequenceNumber,
      };
      const errors = validateDeployment(item);
      if (errors.length) { rejected.push({ key, errors: errors.map((message) => ({ message })) }); continue; }
      const { knownKeys, otherKnown } = resolveAssociations(item, exists, unknownKeys, unknownAssoc);
      if (knownKeys.length === 0 && otherKnown === 0) {
        rejected.push({ key, errors: [{ message: 'No valid associations found for deployment' }] });
        continue;
      }
      upsert(this.deployments, `${provider}${SEP}${key.pipelineId}${SEP}${key.environmentId}${SEP}${key.deploymentSequenceNumber}`, {
        kind: 'deployment', provider, ...key, issueKeys: knownKeys, data: item, properties: props,
      }, item.updateSequenceNumber, now);
      accepted.push(key);
    }
    const unknownAssociations = [...unknownAssoc].map(([associationType, values]) => ({
      associationType, values: [...values].map((v) => JSON.parse(v)),
    }));
    return { acceptedDeployments: accepted, rejectedDeployments: rejected, unknownIssueKeys: [...unknownKeys], unknownAssociations };
  }

  getBuild(provider, pipelineId, buildNumber) {
    return this.builds.get(`${provider}${SEP}${pipelineId}${SEP}${buildNumber}`) || null;
  }

  deleteBuild(provider, pipelineId, buildNumber) {
    return this.builds.delete(`${provider}${SEP}${pipelineId}${SEP}${buildNumber}`);
  }

  getDeployment(provider, pipelineId, environmentId, seq) {
    return this.deployments.get(`${provider}${SEP}${pipelineId}${SEP}${environmentId}${SEP}${seq}`) || null;
  }

  deleteDeployment(provider, pipelineId, environmentId, seq) {
    return this.deployments.delete(`${provider}${SEP}${pipelineId}${SEP}${environmentId}${SEP}${seq}`);
  }

  // AND of all given properties; only this provider's items. Returns the count.
  deleteByProperties(kind, provider, props) {
    const map = kind === 'build' ? this.builds : this.deployments;
    const entries = Object.entries(props);
    let n = 0;
    for (const [k, rec] of map) {
      if (rec.provider !== provider) continue;
      if (entries.every(([name, value]) => rec.properties[name] === value)) { map.delete(k); n++; }
    }
    return n;
  }

  // Jira drops everything an app pushed when the app is uninstalled.
  deleteProvider(provider) {
    for (const map of [this.builds, this.deployments]) {
      for (const [k, rec] of map) if (rec.provider === provider) map.delete(k);
    }
  }

  list(kind, filter = {}) {
    const map = kind === 'build' ? this.builds : this.deployments;
    const out = [];
    for (const rec of map.values()) {
      if (filter.provider && rec.provider !== filter.provider) continue;
      if (filter.pipelineId && rec.pipelineId !== filter.pipelineId) continue;
      if (filter.issueKey && !rec.issueKeys.includes(filter.issueKey)) continue;
      out.push(rec);
    }
    return out;
  }
}

function upsert(map, k, fields, usn, now) {
  const existing = map.get(k);
  if (existing && usn <= existing.updateSequenceNumber) {
    existing.ignoredUpdates += 1;
    existing.lastIgnoredUsn = usn;
    // A lower number than the one stored: the sender went back in its own sequence (what a
    // failover that lost committed work would show), as opposed to resending the same state.
    if (usn < existing.updateSequenceNumber) existing.lowerUsnUpdates += 1;
    return;
  }
  map.set(k, {
    ...fields,
    updateSequenceNumber: usn,
    storedAt: now,
    firstStoredAt: existing ? existing.firstStoredAt : now,
    version: existing ? existing.version + 1 : 1,
    ignoredUpdates: existing ? existing.ignoredUpdates : 0,
    lowerUsnUpdates: existing ? existing.lowerUsnUpdates : 0,
    lastIgnoredUsn: existing ? existing.lastIgnoredUsn : null,
  });
}

// Splits a deployment's associations into known issue keys, other known
// values (commit/repository) and unknown ones (collected for the response).
function resolveAssociations(item, exists, unknownKeys, unknownAssoc) {
  const knownKeys = [];
  const seen = new Set();
  let otherKnown = 0;
  const noteUnknown = (type, v) => {
    if (!unknownAssoc.has(type)) unknownAssoc.set(type, new Set());
    unknownAssoc.get(type).add(JSON.stringify(v));
  };
  for (const k of item.issueKeys || []) {
    if (seen.has(k)) continue;
    seen.add(k);
    if (exists(k)) knownKeys.push(k); else unknownKeys.add(k);
  }
  for (const a of item.associations || []) {
    for (const v of a.values) {
      if (a.associationType === 'issueKeys' || a.associationType === 'issueIdOrKeys') {
        if (seen.has(v)) continue;
        seen.add(v);
        if (exists(v)) knownKeys.push(v); else noteUnknown(a.associationType, v);
      } else if (a.associationType === 'serviceIdOrKeys') {
        noteUnknown(a.associationType, v); // the fake has no service registry
      } else {
        otherKnown += 1;
      }
    }
  }
  return { knownKeys, otherKnown };
}

module.exports = { DevopsStore };
