'use strict';
// The Builds and Deployments REST operations, independent of how the caller
// authenticated. Both front doors (Connect JWT on /sites/{site}/rest/... and the
// OAuth API gateway on /api/jira/.../cloud/{cloudId}/...) register these same
// handlers with their own `authorize` function.
const { json, empty } = require('../lib/respond');
const { readJson } = require('../lib/body');
const { HttpError } = require('../lib/http-error');
const { checkEnvelope } = require('./validate-common');
const { issueExists } = require('./sites');

const errorArray = (...messages) => messages.map((message) => ({ message }));

// base(kind) gives the route prefix, e.g. "/sites/:site/rest/builds/0.1".
// authorize(ctx, kind, scope) returns {site, provider} or throws HttpError.
function addDevopsRoutes(router, base, authorize, settings) {
  const b = base('builds');
  const d = base('deployments');

  router.add('POST', `${b}/bulk`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'builds', 'WRITE');
    const body = await readBulk(ctx, settings);
    const problems = checkEnvelope(body, 'builds');
    if (problems.length) return json(400, errorArray(...problems));
    return json(202, site.store.submitBuilds(provider, body, (k) => issueExists(site, k)));
  });

  router.add('GET', `${b}/pipelines/:pipelineId/builds/:buildNumber`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'builds', 'READ');
    const { pipelineId, buildNumber } = buildKey(ctx.params);
    const rec = site.store.getBuild(provider, pipelineId, buildNumber);
    return rec ? json(200, rec.data) : json(404, errorArray('Build not found'));
  });

  router.add('DELETE', `${b}/pipelines/:pipelineId/builds/:buildNumber`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'builds', 'DELETE');
    const { pipelineId, buildNumber } = buildKey(ctx.params);
    site.store.deleteBuild(provider, pipelineId, buildNumber);
    return empty(202);
  });

  router.add('DELETE', `${b}/bulkByProperties`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'builds', 'DELETE');
    site.store.deleteByProperties('build', provider, propertiesFromQuery(ctx.query));
    return empty(202);
  });

  router.add('POST', `${d}/bulk`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'deployments', 'WRITE');
    const body = await readBulk(ctx, settings);
    const problems = checkEnvelope(body, 'deployments');
    if (problems.length) return json(400, errorArray(...problems));
    return json(202, site.store.submitDeployments(provider, body, (k) => issueExists(site, k)));
  });

  const one = `${d}/pipelines/:pipelineId/environments/:environmentId/deployments/:seq`;
  router.add('GET', one, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'deployments', 'READ');
    const k = deploymentKey(ctx.params);
    const rec = site.store.getDeployment(provider, k.pipelineId, k.environmentId, k.seq);
    return rec ? json(200, rec.data) : json(404, errorArray('Deployment not found'));
  });

  router.add('DELETE', one, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'deployments', 'DELETE');
    const k = deploymentKey(ctx.params);
    site.store.deleteDeployment(provider, k.pipelineId, k.environmentId, k.seq);
    return empty(202);
  });

  router.add('GET', `${one}/gating-status`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'deployments', 'READ');
    const k = deploymentKey(ctx.params);
    const rec = site.store.getDeployment(provider, k.pipelineId, k.environmentId, k.seq);
    if (!rec) return json(404, errorArray('Deployment not found'));
    const gated = (rec.data.commands || []).some((c) => c.command === 'initiate_deployment_gating');
    return json(200, {
      deploymentSequenceNumber: rec.deploymentSequenceNumber,
      pipelineId: rec.pipelineId,
      environmentId: rec.environmentId,
      updatedTimestamp: rec.storedAt,
      gatingStatus: gated ? 'awaiting' : 'allowed',
      details: [],
    });
  });

  router.add('DELETE', `${d}/bulkByProperties`, async (ctx) => {
    const { site, provider } = await authorize(ctx, 'deployments', 'DELETE');
    site.store.deleteByProperties('deployment', provider, propertiesFromQuery(ctx.query));
    return empty(202);
  });
}

async function readBulk(ctx, settings) {
  const ct = String(ctx.req.headers['content-type'] || '');
  if (!ct.toLowerCase().startsWith('application/json')) {
    throw new HttpError(415, errorArray('Content-Type must be application/json'));
  }
  return readJson(ctx.req, {
    limit: settings.maxBodyBytes,
    badJson: errorArray('Request body is not valid JSON'),
    tooLarge: errorArray(`Request payload is larger than ${settings.maxBodyBytes} bytes; send fewer items`),
  });
}

function buildKey(params) {
  if (params.pipelineId.length > 255) throw new HttpError(400, errorArray('pipelineId must not be longer than 255 characters'));
  if (!/^-?\d{1,19}$/.test(params.buildNumber)) throw new HttpError(400, errorArray('buildNumber must be an integer'));
  return { pipelineId: params.pipelineId, buildNumber: Number(params.buildNumber) };
}

function deploymentKey(params) {
  if (params.pipelineId.length > 255 || params.environmentId.length > 255) {
    throw new HttpError(400, errorArray('pipelineId and environmentId must not be longer than 255 characters'));
  }
  if (!/^-?\d{1,19}$/.test(params.seq)) throw new HttpError(400, errorArray('deploymentSequenceNumber must be an integer'));
  return { pipelineId: params.pipelineId, environmentId: params.environmentId, seq: Number(params.seq) };
}

// Every query parameter except the deprecated _updateSequenceNumber is a
// property filter; Jira requires at least one.
function propertiesFromQuery(query) {
  const props = {};
  for (const [k, v] of query) if (k !== '_updateSequenceNumber' && k !== 'jwt') props[k] = v;
  if (Object.keys(props).length === 0) throw new HttpError(400, errorArray('At least one property must be given to delete by properties'));
  return props;
}

module.exports = { addDevopsRoutes, errorArray };
