'use strict';
// TeamCity authentication as the REST client sees it: Bearer tokens, Basic
// (user:password or any-user:token), /guestAuth/ when the guest user is
// enabled, /httpAuth/ accepted. Failures answer exactly like modern servers:
// 401 text/plain with both WWW-Authenticate challenges and TeamCity-Node-Id.
const { shortHash } = require('../lib/request-log');

const UNAUTHORIZED_BODY = 'Authentication required\nTo login manually go to "/login.html" page\n';

function unauthorized() {
  return {
    status: 401,
    headers: {
      'Content-Type': 'text/plain;charset=UTF-8',
      'WWW-Authenticate': ['Basic realm="TeamCity"', 'Bearer realm="TeamCity"'],
      'TeamCity-Node-Id': 'MAIN_SERVER',
    },
    body: UNAUTHORIZED_BODY,
  };
}

// Returns { principal } or { fail: reason }. A principal carries the set of
// visible project ids (null = everything) and whether build parameters show.
function authenticate(server, req, authPrefix) {
  if (authPrefix === '/guestAuth') {
    if (!server.guest) return { fail: 'guest access disabled' };
    return { principal: principal(server, 'guest', server.guestProjects, false), scheme: 'guest' };
  }
  const header = String(req.headers.authorization || '');
  if (!header) return { fail: 'no credentials' };
  const sp = header.indexOf(' ');
  const scheme = header.slice(0, sp).toLowerCase();
  const value = header.slice(sp + 1).trim();
  if (scheme === 'bearer') {
    const t = server.tokens.get(value);
    if (!t) return { fail: 'unknown token', tokenHash: shortHash(value), scheme: 'Bearer' };
    if (t.revoked) return { fail: 'token revoked', tokenHash: shortHash(value), scheme: 'Bearer' };
    return { principal: principal(server, t.user || 'ci-reader', t.projects, t.noParameters), tokenHash: shortHash(value), scheme: 'Bearer' };
  }
  if (scheme === 'basic') {
    let decoded = '';
    try { decoded = Buffer.from(value, 'base64').toString('utf8'); } catch { /* empty */ }
    const colon = decoded.indexOf(':');
    if (colon < 0) return { fail: 'malformed Basic credentials', scheme: 'Basic' };
    const username = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    const tokenHash = shortHash(secret);
    const u = server.users.get(username);
    if (u && u.password === secret) return { principal: principal(server, username, u.projects, false), tokenHash, scheme: 'Basic' };
    const t = server.tokens.get(secret);
    if (t && !t.revoked) return { principal: principal(server, username || 'token', t.projects, t.noParameters), tokenHash, scheme: 'Basic' };
    return { fail: t ? 'token revoked' : 'bad username or password', tokenHash, scheme: 'Basic' };
  }
  return { fail: `unsupported scheme ${scheme}` };
}

function principal(server, name, projects, noParameters) {
  let visible = null;
  if (projects) {
    visible = new Set(['_Root']);
    for (const p of projects) for (const id of server.subtreeProjects(p)) visible.add(id);
  }
  return { name, visible, noParameters: !!noParameters };
}

module.exports = { authenticate, unauthorized, UNAUTHORIZED_BODY };
