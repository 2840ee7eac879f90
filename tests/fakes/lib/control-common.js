'use strict';
// Control routes both fakes expose identically: faults and the request log.
const { json, empty } = require('./respond');
const { readJson } = require('./body');

function addCommonControlRoutes(router, { faults, log }) {
  router.add('POST', '/_control/faults', async (ctx) => {
    const body = await readJson(ctx.req);
    const specs = Array.isArray(body) ? body : [body];
    const added = specs.map((s) => faults.add(s));
    return json(201, Array.isArray(body) ? added : added[0]);
  });
  router.add('GET', '/_control/faults', async () => json(200, faults.list()));
  router.add('DELETE', '/_control/faults', async () => { faults.clear(); return empty(204); });

  router.add('GET', '/_control/requests', async (ctx) => {
    const q = ctx.query;
    return json(200, log.query({
      path: q.get('path') || undefined,
      method: q.get('method') || undefined,
      since: Number(q.get('since') || 0),
      limit: Number(q.get('limit') || 1000),
    }));
  });
  router.add('GET', '/_control/requests/counts', async (ctx) => json(200, { counts: log.countsByPath(ctx.query.get('path') || undefined) }));
  router.add('DELETE', '/_control/requests', async () => { log.clear(); return empty(204); });
}

module.exports = { addCommonControlRoutes };
