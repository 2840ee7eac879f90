// scripts/check-layers: passes on this repository, and fails (naming the file) on a tree where a
// lower layer includes a higher one's header or links its library.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const script = path.join(__dirname, '..', 'check-layers');
const run = (root) => spawnSync('node', [script, root], { encoding: 'utf8' });

function tree(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const cmake = 'add_subdirectory(src/core)\nadd_subdirectory(src/db)\nadd_subdirectory(src/web)\n';

test('this repository has no upward dependency', () => {
  const r = run(path.join(__dirname, '..', '..'));
  assert.strictEqual(r.status, 0, r.stderr);
});

test('a lower layer including a higher layer\'s header is named', () => {
  const root = tree({
    'CMakeLists.txt': cmake,
    'src/core/CMakeLists.txt': 'tcj_layer(core)\n',
    'src/db/CMakeLists.txt': 'tcj_layer(db DEPS tcj_core)\n',
    'src/db/pool.cpp': '#include "core/log.hpp"\n#include "web/page.hpp"\n',
    'src/web/CMakeLists.txt': 'tcj_layer(web DEPS tcj_db tcj_core)\n',
    'src/web/page.hpp': '#include "db/pool.hpp"\n',
  });
  const r = run(root);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /src\/db\/pool\.cpp includes "web\/page\.hpp"/);
  assert.doesNotMatch(r.stderr, /core\/log|web\/page\.hpp includes/);
});

test('a lower layer linking a higher layer is named', () => {
  const root = tree({
    'CMakeLists.txt': cmake,
    'src/core/CMakeLists.txt': 'tcj_layer(core)\n',
    'src/db/CMakeLists.txt': 'tcj_layer(db DEPS tcj_core tcj_web)\n',
    'src/web/CMakeLists.txt': 'tcj_layer(web DEPS tcj_db)\n',
  });
  const r = run(root);
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr, /src\/db\/CMakeLists\.txt links tcj_web/);
});
