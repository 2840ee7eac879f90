'use strict';
// Finding the file a stand-in Forge CDN URL names without ever leaving the
// resource's folder: every segment is decoded once and refused when it is
// empty, '.', '..' or carries a separator (so '%2e%2e', '..%2f', '//etc' and
// '%2Fetc' all fail), and the real path (symlinks resolved) must stay inside
// the real resource folder, which must stay inside the real resourcesDir.
const fs = require('node:fs/promises');
const path = require('node:path');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const contentTypeOf = (file) => CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';

// rel: the URL path below the resource, still percent-encoded ('' = the folder
// itself, 'a/b.js', 'dir/'). Returns the decoded segments, or null.
function safeSegments(rel) {
  if (rel === '') return [];
  const raw = rel.split('/');
  if (raw[raw.length - 1] === '') raw.pop(); // a folder asked for with its slash
  const out = [];
  for (const seg of raw) {
    let d;
    try { d = decodeURIComponent(seg); } catch { return null; }
    if (d === '' || d === '.' || d === '..' || /[/\\\0]/.test(d)) return null;
    out.push(d);
  }
  return out;
}

const inside = (root, p) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

async function realpathOrNull(p) {
  try { return await fs.realpath(p); } catch { return null; }
}

async function statOrNull(p) {
  try { return await fs.stat(p); } catch { return null; }
}

// -> {file: <real path>} | {redirect: true} (a folder named without its
// trailing slash: relative URLs in its index.html would resolve one level too
// high) | null (404).
async function resolveResourceFile(resourcesDir, resourcePath, rel) {
  const segs = safeSegments(rel);
  if (!segs) return null;
  const base = await realpathOrNull(resourcesDir);
  const root = base && await realpathOrNull(path.join(base, ...resourcePath.split('/')));
  if (!root || !inside(base, root)) return null;
  let real = await realpathOrNull(path.join(root, ...segs));
  if (!real || !inside(root, real)) return null;
  let st = await statOrNull(real);
  if (st && st.isDirectory()) {
    if (rel !== '' && !rel.endsWith('/')) return { redirect: true };
    real = await realpathOrNull(path.join(real, 'index.html'));
    if (!real || !inside(root, real)) return null;
    st = await statOrNull(real);
  }
  return st && st.isFile() ? { file: real } : null;
}

module.exports = { resolveResourceFile, safeSegments, contentTypeOf };
