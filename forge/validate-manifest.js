#!/usr/bin/env node
'use strict';
// Validates a Forge manifest with Atlassian's own checks (npm @forge/manifest, the package the
// Forge CLI uses), the way `forge lint` / `forge deploy` run them on the manifest:
//
//   node validate-manifest.js [--resources DIR] FILE
//
// Exit 0: valid (prints "FILE: valid"; warnings, if any, go to stderr).
// Exit 1: invalid; each error is printed on stdout as "FILE:LINE: error: MESSAGE" ("FILE:"
//         alone when the line is not known).
// Exit 2: usage error (bad arguments, FILE or DIR missing) or the validation could not run.
//
// The validators resolve resource paths (resources[].path: static/admin, ...) against the
// manifest's directory, and `forge lint` reads ./manifest.yml from the working directory. So
// FILE is not validated where it lies: it is copied as manifest.yml into a temporary
// directory together with DIR/static (DIR: --resources, default: this script's folder, where
// `npm run build` writes the Custom UI resources), and validated there. FILE may thus live anywhere, e.g. the
// output of `teamcity-jira forge manifest` in /tmp. The copy is byte-identical, so line
// numbers refer to FILE.
//
// What the CLI runs and this script mirrors (@forge/lint 6.3.1, lint.js): five manifest linters,
// each a @forge/manifest processor built as
//   ProcessorBuilder.instance().withValidation(TYPE).withOptions({deprecatedRuntimes}).build()
//     .process('manifest.yml')
// (`require('@forge/manifest').validate(false, file)` is the FULL one without options):
//   FULL                           reports its issues that carry no metadata
//   DEPRECATED_CSP_METHOD          metadata.missingContentStylePermission (ResourcesValidator)
//   DEPRECATED_EGRESS_PERMISSIONS  metadata.hasDeprecatedEgressPermissions (PermissionsValidator)
//   PRODUCT_TRIGGER                metadata.missingPermission (scopes that trigger events need)
//   AGENT_PRODUCT_CONTEXT          metadata.missingPermission (scopes of Rovo agent connectors)
// Each processor compiles the whole JSON schema (2-4 s). FULL already contains the Resources
// and Permissions validators, so the CSP and egress issues are taken from FULL's result; the
// trigger and agent processors only run when the manifest has trigger / rovo:agentConnector
// modules (without them they report nothing). The result is the same set of issues.
// Not mirrored: the CLI's fetched list of deprecated runtimes (warnings only), the linters of
// Forge function source code (this app has none), and the server-side checks of `forge deploy`.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ProcessorBuilder, ValidationTypes, MANIFEST_FILE, AllModuleTypes, cleanKey } = require('@forge/manifest');

const LINT_OPTIONS = { deprecatedRuntimes: [] };

async function run(type) {
  const processor = ProcessorBuilder.instance().withValidation(type).withOptions(LINT_OPTIONS).build();
  return processor.process(MANIFEST_FILE);
}

// Runs the checks on manifest.yml in the current directory; returns { errors, warnings },
// each a list of { message, line, column }.
async function lintHere() {
  const issues = [];
  const full = await run(ValidationTypes.FULL);
  issues.push(
    ...(full.errors || []).filter(
      (e) => !e.metadata || e.metadata.missingContentStylePermission || e.metadata.hasDeprecatedEgressPermissions
    )
  );
  const modules = full.manifestObject?.typedContent?.modules || {};
  const extra = [
    [ValidationTypes.PRODUCT_TRIGGER, cleanKey(AllModuleTypes.CoreTrigger)],
    [ValidationTypes.AGENT_PRODUCT_CONTEXT, cleanKey(AllModuleTypes.RovoAgentConnector)]
  ];
  for (const [type, moduleType] of extra) {
    if (!modules[moduleType]) continue;
    const result = await run(type);
    issues.push(...(result.errors || []).filter((e) => e.metadata?.missingPermission));
  }
  const errors = issues.filter((e) => e.level === 'error');
  const warnings = issues.filter((e) => e.level !== 'error');
  // Never call a manifest valid that the full validation rejected, even without a message.
  if (!full.success && errors.length === 0) {
    errors.push({ message: 'the full validation of @forge/manifest failed without naming an error', line: 0, column: 0 });
  }
  return { errors, warnings };
}

// Validates `file` as if it were manifest.yml in a Forge app folder with resourcesDir/static;
// returns { errors, warnings } as lintHere does. Changes the working directory while it runs
// (like `forge lint`, the package reads ./manifest.yml): do not run two at once in a process.
async function validateFile(file, resourcesDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcj-forge-manifest-'));
  const cwd = process.cwd();
  try {
    fs.copyFileSync(file, path.join(tmp, MANIFEST_FILE));
    const staticDir = path.join(resourcesDir, 'static');
    if (fs.existsSync(staticDir)) {
      fs.cpSync(staticDir, path.join(tmp, 'static'), { recursive: true, dereference: true });
    }
    process.chdir(tmp);
    const result = await lintHere();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (const issue of [...result.errors, ...result.warnings]) Object.assign(issue, position(issue, lines));
    return result;
  } finally {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The package finds lines by searching for plain text such as "property: value" or a section
// name; it falls back to line 1, column 0 when the text is not in the file (always the case for
// quoted values, e.g. every rendered URL) and may hit a comment (this template's header says
// "app"). In those cases look again: for schema errors ("SECTION ... property NAME 'VALUE' ...")
// the line of NAME: VALUE (quotes allowed) below SECTION, else the line of SECTION itself,
// else no line at all.
function position({ message, line, column }, lines) {
  const unknown = (line === 1 && column === 0) || /^\s*#/.test(lines[line - 1] ?? '');
  if (!unknown) return { line, column };
  const head = /^(\S+) /.exec(String(message));
  if (!head) return { line: 0, column: 0 };
  const sectionLine = lines.findIndex((l) => l.trimStart().startsWith(`${head[1]}:`));
  const m = /^\S+ (?:.* )?property (\S+) '(.*?)'/.exec(String(message));
  if (m) {
    const [, name, value] = m;
    const re = new RegExp(`^\\s*(?:-\\s+)?${escape(name)}:\\s*(["']?)${escape(value)}\\1\\s*(?:#.*)?$`);
    for (let i = Math.max(0, sectionLine); i < lines.length; i++) {
      if (re.test(lines[i])) return { line: i + 1, column: lines[i].indexOf(name) };
    }
  }
  return sectionLine >= 0 ? { line: sectionLine + 1, column: 0 } : { line: 0, column: 0 };
}

// Columns are left out: the package mixes 0-based (its line finder) and 1-based (YAML) ones.
function format(file, level, { message, line }) {
  const where = line > 0 ? `${file}:${line}:` : `${file}:`;
  return `${where} ${level}: ${String(message).replace(/\s+$/, '')}`;
}

const USAGE = 'usage: node validate-manifest.js [--resources DIR] FILE';

async function main(argv) {
  let resourcesDir = __dirname;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a === '--resources') {
      if (i + 1 >= argv.length) return usage('--resources needs a directory');
      resourcesDir = argv[++i];
    } else if (a.startsWith('--resources=')) {
      resourcesDir = a.slice('--resources='.length);
    } else if (a.startsWith('-')) {
      return usage(`unknown option ${a}`);
    } else {
      files.push(a);
    }
  }
  if (files.length !== 1) return usage('exactly one FILE is needed');
  const file = files[0];
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return usage(`${file}: no such file`);
  if (!fs.existsSync(resourcesDir) || !fs.statSync(resourcesDir).isDirectory()) {
    return usage(`${resourcesDir}: no such directory`);
  }

  const { errors, warnings } = await validateFile(path.resolve(file), path.resolve(resourcesDir));
  for (const w of warnings) console.error(format(file, 'warning', w));
  if (errors.length > 0) {
    for (const e of errors) console.log(format(file, 'error', e));
    return 1;
  }
  console.log(`${file}: valid`);
  return 0;
}

function usage(why) {
  console.error(`validate-manifest: ${why}\n${USAGE}`);
  return 2;
}

module.exports = { validateFile };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`validate-manifest: ${err && err.stack ? err.stack : err}`);
      process.exitCode = 2;
    }
  );
}
