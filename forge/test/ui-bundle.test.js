'use strict';
// build-ui.js: the Custom UI resources Forge serves from its CDN must stand alone (every file a
// page names is in its folder, nothing points at the service's /static/ or /api), and must pass
// Forge's default Content-Security-Policy (no inline script or style).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const BUILD = path.resolve(__dirname, '..', 'build-ui.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-forge-ui-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const out = path.join(tmp, 'static');
execFileSync(process.execPath, [BUILD, '--out', out], { stdio: 'pipe' });

for (const folder of ['admin', 'issue-panel']) {
  test(`${folder}: index.html names only files of its own folder, and no inline code`, () => {
    const dir = path.join(out, folder);
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(refs.sort(), ['./app.css', './main.js']);
    for (const ref of refs) assert.ok(fs.existsSync(path.join(dir, ref)), ref);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script');
    assert.doesNotMatch(html, /<style|\sstyle="/, 'an inline style');
    assert.match(html, /data-host="forge"/);
  });

  test(`${folder}: one self-contained bundle with Forge's bridge in it`, () => {
    const js = fs.readFileSync(path.join(out, folder, 'main.js'), 'utf8');
    // assert.ok, not assert.match: a failure would print the whole minified bundle.
    assert.ok(js.includes('__bridge'), 'the @forge/bridge code is bundled');
    assert.ok(!/\bimport\s*\(|\bfrom\s*["']\.\.?\//.test(js), 'a module left unbundled');
    assert.ok(js.includes('data-host') || js.includes('dataset.host'), 'the shared api.js decides the host');
    assert.ok(fs.existsSync(path.join(out, folder, 'logo.svg')));
  });
}

test('a second build replaces the folders whole and leaves no staging folder behind', () => {
  fs.writeFileSync(path.join(out, 'admin', 'stale.js'), '');
  execFileSync(process.execPath, [BUILD, '--out', out], { stdio: 'pipe' });
  assert.ok(!fs.existsSync(path.join(out, 'admin', 'stale.js')));
  assert.deepEqual(fs.readdirSync(out).sort(), ['admin', 'issue-panel']);
  assert.deepEqual(fs.readdirSync(tmp), ['static'], 'the staging folder next to it is gone too');
});

test('an unknown argument is refused with the usage', () => {
  const r = spawnSync(process.execPath, [BUILD, '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage: node build-ui.js \[--out DIR\]/);
  const bare = spawnSync(process.execPath, [BUILD, '--out'], { encoding: 'utf8' });
  assert.equal(bare.status, 1);
  assert.match(bare.stderr, /--out needs a directory/);
});
