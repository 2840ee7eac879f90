'use strict';
// Jira's GET /rest/api/3/project/search over a fake site's projects: one page, with the
// startAt/maxResults/keys/query parameters Jira takes. baseUrl is what the page's links name (the
// site for Connect, the API gateway's apiBaseUrl for Forge).
function projectSearchPage(site, query, baseUrl) {
  const startAt = Math.max(0, Number(query.get('startAt') || 0));
  const maxResults = Math.min(100, Math.max(1, Number(query.get('maxResults') || 50)));
  const keys = query.getAll('keys').flatMap((k) => k.split(',')).filter(Boolean);
  const text = (query.get('query') || '').toLowerCase();
  let all = [...site.projects.values()];
  if (keys.length) all = all.filter((p) => keys.includes(p.key));
  if (text) all = all.filter((p) => p.key.toLowerCase().includes(text) || p.name.toLowerCase().includes(text));
  const page = all.slice(startAt, startAt + maxResults);
  const isLast = startAt + page.length >= all.length;
  const self = `${baseUrl}/rest/api/3/project/search?startAt=${startAt}&maxResults=${maxResults}`;
  const out = {
    self, maxResults, startAt, total: all.length, isLast,
    values: page.map((p) => ({ self: `${baseUrl}/rest/api/3/project/${p.id}`, id: p.id, key: p.key, name: p.name, projectTypeKey: 'software', simplified: false, style: 'classic' })),
  };
  if (!isLast) out.nextPage = `${baseUrl}/rest/api/3/project/search?startAt=${startAt + maxResults}&maxResults=${maxResults}`;
  return out;
}

module.exports = { projectSearchPage };
