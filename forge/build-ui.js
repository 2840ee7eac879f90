#!/usr/bin/env node
'use strict';
// Builds the Forge app's Custom UI resources (manifest `resources`) from the service's admin UI
// (web/) and ui/: one esbuild bundle per page, with the stylesheet and logo next to it, because
// Forge serves each resource folder from its own CDN where the service's /static/ is out of reach.
//
//   node build-ui.js [--out DIR]     DIR defaults to ./static; writes DIR/admin and DIR/issue-panel
//
// Both pages are built in a temporary folder next to DIR first, so a failed build leaves the
// previous one in place; then each of DIR's two folders is replaced by its new one.
const fs = require('node:fs');
const path = require('node:path');

function loadEsbuild() {
  try {
    return require('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `npm ci` in forge/ (scripts/install-deps does)');
  }
}

const here = __dirname;
const web = path.join(here, '..', 'web', 'static');
// resource folder (manifest resources[].path below DIR) -> its page in ui/
const PAGES = { admin: 'admin', 'issue-panel': 'issue-panel' };
const SHARED_FILES = ['app.css', 'logo.svg'];

function parseArgs(argv) {
  const args = { out: path.join(here, 'static') };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a directory (usage: node build-ui.js [--out DIR])');
      args.out = path.resolve(argv[i + 1]);
      i += 1;
    } else {
      throw new Error(`unknown argument ${argv[i]} (usage: node build-ui.js [--out DIR])`);
    }
  }
  return args;
}

async function buildPage(esbuild, page, folder) {
  fs.mkdirSync(folder, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'ui', page, 'main.js')],
    bundle: true,
    format: 'esm',
    minify: true,
    // Browsers Jira supports (Chrome, Edge, Firefox, Safari: current and previous versions).
    target: ['chrome120', 'edge120', 'firefox120', 'safari16'],
    legalComments: 'linked',
    logLevel: 'warning',
    outfile: path.join(folder, 'main.js'),
  });
  fs.copyFileSync(path.join(here, 'ui', page, 'index.html'), path.join(folder, 'index.html'));
  for (const file of SHARED_FILES) fs.copyFileSync(path.join(web, file), path.join(folder, file));
}

async function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const esbuild = loadEsbuild();
  fs.mkdirSync(out, { recursive: true });
  // Next to DIR, not in it: a build killed midway leaves nothing inside what gets deployed.
  const staging = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}-build-`));
  try {
    for (const [folder, page] of Object.entries(PAGES)) await buildPage(esbuild, page, path.join(staging, folder));
    for (const folder of Object.keys(PAGES)) {
      fs.rmSync(path.join(out, folder), { recursive: true, force: true });
      fs.renameSync(path.join(staging, folder), path.join(out, folder));
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  console.log(`Custom UI resources written to ${out}: ${Object.keys(PAGES).join(', ')}`);
}

main().catch((e) => {
  console.error(`build-ui: ${e.message}`);
  process.exit(1);
});
