'use strict';
// Request body reading with a hard size limit: the fakes must survive a client
// that sends too much (and tests need a real 413 to check batch splitting).
const { HttpError } = require('./http-error');

const DEFAULT_LIMIT = 10 * 1024 * 1024;

function readBody(req, limit = DEFAULT_LIMIT, tooLarge = null) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // drain so keep-alive stays usable
      reject(new HttpError(413, tooLarge || `Request body larger than ${limit} bytes`));
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, tooLarge || `Request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => { if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)); });
    req.on('error', (err) => { if (!failed) { failed = true; reject(err); } });
  });
}

// Parses JSON; a syntax error becomes a 400 whose body the caller chooses
// (Jira answers with an array of {message}, control APIs with {error}).
async function readJson(req, { limit = DEFAULT_LIMIT, badJson = null, tooLarge = null, allowEmpty = false } = {}) {
  const buf = await readBody(req, limit, tooLarge);
  if (buf.length === 0 && allowEmpty) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, badJson || { error: `Malformed JSON body: ${err.message}` });
  }
}

module.exports = { readBody, readJson, DEFAULT_LIMIT };
