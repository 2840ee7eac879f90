// Tests of scripts/sbom: it runs the script on this machine and checks the SBOM against what it
// must contain, computed here independently (bash for the package list, dpkg-query for versions,
// the lock files themselves). Run: node --test scripts/test/
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const root = path.resolve(__dirname, '../..');
const sbom = path.join(root, 'scripts/sbom');
const lockFiles = ['tests/fakes/package-lock.json', 'tests/browser/package-lock.json', 'forge/package-lock.json'];

function listedPackages() {
  const out = childProcess.execFileSync('bash', ['-c', 'source "$1"; printf "%s\\n" "${packages[@]}"', 'test',
    path.join(root, 'scripts/packages.sh')], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

// The installed version of a Debian package, or null (not installed, or only provided).
function dpkgVersion(name) {
  const r = childProcess.spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Version}', name], { encoding: 'utf8' });
  const [status, version] = r.stdout.split(' ');
  return r.status === 0 && status === 'installed' ? version : null;
}

// What the lock files say must be in the SBOM: purl -> expected SHA-512 hex (or null).
function lockExpectations() {
  const expected = new Map();
  for (const file of lockFiles) {
    const lock = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (where === '' || entry.link) continue;
      const name = entry.name || where.split('node_modules/').pop();
      const purl = `pkg:npm/${name.replace(/^@/, '%40')}@${entry.version}`;
      const sha512 = /^sha512-(\S+)/.exec(entry.integrity || '');
      expected.set(purl, sha512 ? Buffer.from(sha512[1], 'base64').toString('hex') : null);
    }
  }
  return expected;
}

// Every way the SBOM can be wrong, as readable strings; empty when it is right. Kept apart from
// the tests so that a test below can show it does catch a missing package.
function problems(bom, { listed, versions, lock, projectVersion }) {
  const found = [];
  if (bom.bomFormat !== 'CycloneDX') found.push(`bomFormat ${bom.bomFormat}`);
  if (bom.specVersion !== '1.5') found.push(`specVersion ${bom.specVersion}`);
  if (bom.version !== 1) found.push(`version ${bom.version}`);
  if (!/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(bom.serialNumber)) found.push(`serialNumber ${bom.serialNumber}`);
  const m = bom.metadata || {};
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(m.timestamp || '') || Number.isNaN(Date.parse(m.timestamp))) found.push(`timestamp ${m.timestamp}`);
  if (!m.tools?.components?.length) found.push('no metadata.tools.components');
  if (m.component?.name !== 'teamcity-jira' || m.component?.version !== projectVersion || m.component?.type !== 'application') {
    found.push(`metadata.component ${JSON.stringify(m.component)}`);
  }
  const components = bom.components || [];
  const purls = components.map((c) => c.purl);
  if (new Set(purls).size !== purls.length) found.push('duplicate purls');
  if (new Set(components.map((c) => c['bom-ref'])).size !== components.length) found.push('duplicate bom-refs');
  const sorted = [...purls].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (purls.join('\n') !== sorted.join('\n')) found.push('components not sorted by purl');
  for (const c of components) {
    if (!c.name || !c.version || !c.purl || !c.type) found.push(`incomplete component ${JSON.stringify(c)}`);
    if (c.purl?.startsWith('pkg:deb/') && !/^pkg:deb\/[a-z]+\/[^@]+@[^?]+\?arch=[a-z0-9]+&distro=debian-12$/.test(c.purl)) found.push(`bad deb purl ${c.purl}`);
  }

  const byName = (type, name) => components.find((c) => c.purl.startsWith(`pkg:${type}/`) && c.name === name);
  for (const name of listed) {
    if (versions.get(name)) {
      // Installed under its own name: the same package and exact version dpkg reports.
      const c = byName('deb', name);
      if (!c) found.push(`listed Debian package ${name} missing`);
      else if (c.version !== versions.get(name)) found.push(`${name}: version ${c.version}, dpkg says ${versions.get(name)}`);
    } else {
      // Provided by another package, or (node, npm) a command from elsewhere: still accounted for.
      const c = components.find((x) => x.properties?.some((p) => p.name === 'teamcity-jira:listed-as' && p.value === name));
      if (!c || !c.version) found.push(`listed package ${name} not accounted for`);
    }
  }
  for (const [purl, sha512] of lock) {
    const c = components.find((x) => x.purl === purl);
    if (!c) { found.push(`lock-file package ${purl} missing`); continue; }
    if (sha512 && !c.hashes?.some((h) => h.alg === 'SHA-512' && h.content === sha512)) found.push(`${purl}: SHA-512 hash missing or wrong`);
  }
  return found;
}

function runSbom(args = [], cwd = root, script = sbom) {
  return childProcess.spawnSync(script, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

const expectations = () => {
  const listed = listedPackages();
  const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
  return {
    listed,
    versions: new Map(listed.map((n) => [n, dpkgVersion(n)])),
    lock: lockExpectations(),
    projectVersion: /project\(\s*teamcity-jira\s+VERSION\s+(\S+)/.exec(cmake)[1],
  };
};

test('the SBOM is CycloneDX 1.5 and lists every listed Debian package and every lock-file package', () => {
  const r = runSbom();
  assert.equal(r.status, 0, r.stderr);
  const bom = JSON.parse(r.stdout);
  const expected = expectations();
  assert.ok(expected.listed.length > 10 && expected.lock.size > 0, 'the expectations themselves are not empty');
  assert.deepEqual(problems(bom, expected), []);
});

test('the checks above fail on an SBOM that misses a lock-file package or is out of order', () => {
  const bom = JSON.parse(runSbom().stdout);
  const expected = expectations();
  const [purl] = expected.lock.keys();
  const missing = { ...bom, components: bom.components.filter((c) => c.purl !== purl) };
  assert.deepEqual(problems(missing, expected), [`lock-file package ${purl} missing`]);
  const reversed = { ...bom, components: [...bom.components].reverse() };
  assert.deepEqual(problems(reversed, expected), ['components not sorted by purl']);
});

test('--output writes the same inventory to a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-test-'));
  try {
    const file = path.join(dir, 'sbom.json');
    const r = runSbom(['--output', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const bom = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(problems(bom, expectations()), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a listed Debian package that is not installed makes it fail and name the package', () => {
  // A copy of the repository's relevant files with one package added that cannot be installed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-test-'));
  try {
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(sbom, path.join(dir, 'scripts/sbom'));
    fs.chmodSync(path.join(dir, 'scripts/sbom'), 0o755);
    fs.copyFileSync(path.join(root, 'CMakeLists.txt'), path.join(dir, 'CMakeLists.txt'));
    for (const f of lockFiles) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(root, f), path.join(dir, f));
    }
    const list = fs.readFileSync(path.join(root, 'scripts/packages.sh'), 'utf8');
    fs.writeFileSync(path.join(dir, 'scripts/packages.sh'), list.replace('packages=(', 'packages=(\n  tcj-no-such-package'));
    const r = runSbom([], dir, path.join(dir, 'scripts/sbom'));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /not installed: tcj-no-such-package/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
