'use strict';
// Where Jira issue keys come from in generated TeamCity data, and the
// reference rule that defines which mentions are "intended" links.
//
// Reference rule (documented in README): inside a commit message or branch
// name, a mention is a key when it matches [A-Za-z][A-Za-z0-9]+-[1-9][0-9]*
// (case-insensitive) bounded by non-alphanumerics, its project part upper-cased
// is one of the server's issueProjects, and it is not part of a
// whitespace-delimited token containing "://" (links to other hosts). Keys are
// upper-cased and de-duplicated. The generator builds messages so that this
// rule finds exactly the keys it deliberately inserted (checked by tests).

const MENTION = /(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]+)-([1-9][0-9]*)(?![A-Za-z0-9])/g;

function extractKeys(text, projects) {
  const out = [];
  if (!text) return out;
  for (const token of text.split(/\s+/)) {
    if (token.includes('://')) continue;
    for (const m of token.matchAll(MENTION)) {
      const p = m[1].toUpperCase();
      if (projects.has(p)) out.push(`${p}-${m[2]}`);
    }
  }
  return out;
}

// Value of the jira.issueKeys build parameter: separated by commas, semicolons
// or whitespace, case-insensitive; anything not key-shaped is ignored.
function parseKeyParameter(value) {
  const out = [];
  for (const part of String(value).split(/[\s,;]+/)) {
    const m = /^([A-Za-z][A-Za-z0-9]+)-([1-9][0-9]*)$/.exec(part);
    if (m) out.push(`${m[1].toUpperCase()}-${m[2]}`);
  }
  return out;
}

function sortKeys(keys) {
  return [...new Set(keys)].sort((a, b) => {
    const [pa, na] = splitKey(a);
    const [pb, nb] = splitKey(b);
    return pa === pb ? na - nb : (pa < pb ? -1 : 1);
  });
}

function splitKey(k) {
  const i = k.lastIndexOf('-');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}

// Commit message templates. {K}/{K2} are keys as written (upper case), {k} a
// key in lower case. Each template lists how many keys it uses.
const LINKED = [
  ['[{K}] Fix null pointer in login handler', 1],
  ['({k}) handle empty cart in checkout', 1],
  ['{K}: add retry with backoff to the uploader', 1],
  ['{K} {K2} share one session cache', 2],
  ["Merge branch 'feature/{K}-login' into main", 1],
  ['Refactor session cache\n\nRefs {K}', 1],
  ['feat({K}): scope the audit log per tenant', 1],
  ['Fixes {K}.', 1],
  ['{K},{K2} bump timeouts for slow agents', 2],
  ['Übersetzung für {K} aktualisiert — 更新翻译', 1],
];

// Look-alikes: things a naive extractor would link but the reference rule does
// not ({P} is the first issue project, {n} a number).
const LOOKALIKE = [
  'Convert all sources to UTF-8 encoding',
  'Read legacy exports as ISO-8859-1',
  'Verify SHA-256 checksums of downloaded artifacts',
  'See https://other.example/{P}-{n} for the upstream discussion',
  'Revert {P}-01 numbering experiment',
  'Bump lodash-4.17.21 in the web bundle',
  'Use X-1 header only for internal calls',
];

const PLAIN = [
  'Tidy up logging',
  'Improve build script performance',
  'Update dependencies',
  'Fix typo in README',
  'Make flaky test deterministic',
  'Split integration tests by module',
];

module.exports = { extractKeys, parseKeyParameter, sortKeys, LINKED, LOOKALIKE, PLAIN };
