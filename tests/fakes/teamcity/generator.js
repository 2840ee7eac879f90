'use strict';
// Deterministic history generator: same config (incl. seed) -> same projects,
// build configurations, builds, changes and intended issue keys. Everything
// random comes from the seeded PRNG; nothing depends on the wall clock.
const { createRng } = require('./prng');
const { newBuild } = require('./model');
const { LINKED, LOOKALIKE, PLAIN, sortKeys } = require('./issue-keys');

const PROJECT_NAMES = ['Backend', 'Frontend', 'Mobile App', 'Payments', 'Infrastructure', 'Data Platform', 'Identity', 'Search'];
const TYPE_NAMES = ['Build', 'Unit Tests', 'Lint', 'All Checks', 'Package', 'Integration Tests', 'Nightly', 'Docs'];
const ENVIRONMENTS = [['Staging', 'staging'], ['Production', 'production'], ['Testing', 'testing'], ['Development', 'development']];
const PEOPLE = [['alice', 'Alice Example'], ['bob', 'Bob Builder'], ['carol', 'Carol Jones'], ['élodie', 'Élodie Brun'], ['zhang.wei', '张伟'], ['dmitrij', 'Дмитрий К.']];

const idPart = (name) => name.replace(/[^A-Za-z0-9]+/g, '');

function generate(server, cfg) {
  const rng = createRng(cfg.seed === undefined ? 1 : cfg.seed);
  const issueProjects = [...server.issueProjects];
  const issueMax = Number(cfg.issueMax || 500);
  const defaultBranch = cfg.defaultBranch || 'main';
  const key = () => `${rng.pick(issueProjects)}-${rng.int(1, issueMax)}`;

  makeStructure(server, cfg);
  for (let i = 1; i <= 8; i++) server.agents.push({ id: i, name: `agent-linux-${String(i).padStart(2, '0')}`, typeId: i });

  const branches = makeBranches(rng, cfg, issueProjects, issueMax);
  const regularTypes = [...server.buildTypes.values()].filter((bt) => bt.type !== 'deployment');
  const deployTypes = [...server.buildTypes.values()].filter((bt) => bt.type === 'deployment');
  const total = Number(cfg.builds === undefined ? 200 : cfg.builds);
  const start = Date.parse(cfg.startTime || '2025-01-01T00:00:00Z');
  const interval = Number(cfg.intervalSeconds || 300) * 1000;
  const queuedCount = total >= 10 ? Math.max(1, Math.round(total * 0.005)) : 0;
  const runningCount = total >= 10 ? Math.max(1, Math.round(total * 0.005)) : 0;
  const hugeIndex = total >= 1000 ? Math.floor(total * 0.37) : -1;
  const hugeChanges = Number(cfg.hugeBuildChanges === undefined ? 10000 : cfg.hugeBuildChanges);

  const lastSuccess = new Map(); // buildTypeId + branch -> latest successful build so far
  for (let i = 0; i < total; i++) {
    const queuedAt = start + i * interval + rng.int(0, Math.floor(interval / 2000)) * 1000; // whole seconds, like TeamCity dates
    const isDeploy = deployTypes.length > 0 && rng.chance(0.12);
    const bt = isDeploy ? rng.pick(deployTypes) : rng.pick(regularTypes);
    const onDefault = isDeploy || rng.chance(0.6);
    const branch = onDefault ? { name: defaultBranch, keys: [] } : rng.pick(branches);
    const personal = !isDeploy && !onDefault && rng.chance(0.05);
    const build = newBuild({
      id: server.nextBuildId++,
      buildTypeId: bt.id,
      branchName: branch.name,
      defaultBranch: onDefault,
      personal,
      queuedDate: queuedAt,
    });
    const deliberate = { branch: branch.keys, commits: [], parameter: null };

    // Changes: deployments and composites have none of their own.
    let nChanges = 0;
    if (i === hugeIndex) nChanges = hugeChanges;
    else if (!isDeploy && bt.type !== 'composite') {
      if (rng.chance(0.01)) nChanges = rng.int(50, 300);
      else if (!rng.chance(0.15)) nChanges = 1 + Math.floor(rng.next() ** 3 * 8);
    }
    const keyRate = nChanges > 1000 ? 0.005 : nChanges > 40 ? 0.05 : 0.45;
    const root = server.vcsRoots.get(server.topProjectOf(bt.projectId));
    for (let c = 0; c < nChanges; c++) {
      const { comment, keys } = commitMessage(rng, keyRate, key, issueProjects[0], issueMax);
      const id = server.nextChangeId++;
      const [username] = rng.pick(PEOPLE);
      server.changes.set(id, {
        id, version: rng.hex(40), username, date: queuedAt - (nChanges - c) * 1000 - rng.int(0, 600000),
        comment, files: rng.int(1, 12), vcsRootId: root.id,
      });
      build.changeIds.unshift(id); // newest first
      deliberate.commits.push(...keys);
    }
    build.revision = build.changeIds.length ? server.changes.get(build.changeIds[0]).version : rng.hex(40);

    build.properties = [{ name: 'env.JAVA_HOME', value: '/usr/lib/jvm/java-17' }, { name: 'system.build.flavour', value: rng.pick(['release', 'debug']) }];
    if (bt.environment) build.properties.push({ name: 'env.DEPLOY_ENV', value: bt.environment.name.toLowerCase() });
    if (rng.chance(0.03)) {
      const k1 = key();
      const k2 = key();
      const value = rng.chance(0.5) ? `${k1},${k2}` : ` ${k1.toLowerCase()} ; ${k2} `;
      build.properties.push({ name: 'jira.issueKeys', value });
      deliberate.parameter = [k1, k2];
    }

    if ((isDeploy || bt.type === 'composite') && bt.snapshotDeps[0]) {
      const up = lastSuccess.get(`${bt.snapshotDeps[0]}\u0000${build.branchName}`);
      if (up) build.snapshotDeps = [up.id];
    }

    const [user, userName] = rng.pick(PEOPLE);
    build.triggered = nChanges > 0 && !personal
      ? { type: 'vcs', details: 'jetbrains.git', date: queuedAt }
      : bt.name === 'Nightly' ? { type: 'schedule', date: queuedAt }
        : { type: 'user', date: queuedAt, user: { username: user, name: userName, id: PEOPLE.findIndex((p) => p[0] === user) + 1 } };

    const fromEnd = total - i;
    if (fromEnd <= queuedCount) {
      // still queued
    } else if (fromEnd <= queuedCount + runningCount) {
      startAt(server, build, bt, queuedAt + rng.int(5, 60) * 1000);
      build.percentageComplete = rng.int(5, 95);
      if (rng.chance(0.2)) build.status = 'FAILURE';
    } else {
      finishGenerated(server, build, bt, rng, queuedAt);
    }
    if (bt.hasTests && build.state !== 'queued' && !build.canceled && !build.failedToStart) {
      const count = rng.int(100, 2000);
      const failed = build.status === 'FAILURE' ? rng.int(1, 10) : 0;
      const ignored = rng.int(0, 5);
      build.tests = { count, passed: count - failed - ignored, failed, newFailed: Math.min(failed, rng.int(0, 2)), ignored, muted: rng.int(0, 2) };
      if (build.state === 'finished' && failed) build.statusText = `Tests failed: ${failed} (${build.tests.newFailed} new), passed: ${build.tests.passed}`;
    }

    server.builds.set(build.id, build);
    if (build.state === 'finished' && build.status === 'SUCCESS' && !build.personal) {
      lastSuccess.set(`${build.buildTypeId}\u0000${build.branchName}`, build);
    }
    const upstream = isDeploy ? build.snapshotDeps.flatMap((id) => server.builds.get(id).intended.keys) : [];
    const keys = sortKeys(deliberate.parameter || [...deliberate.branch, ...deliberate.commits, ...upstream]);
    build.intended = {
      keys,
      sources: {
        branch: sortKeys(deliberate.branch),
        commits: sortKeys(deliberate.commits),
        parameter: deliberate.parameter && sortKeys(deliberate.parameter),
        upstream: sortKeys(upstream),
      },
    };
  }
  server.ordered = null;
}

function startAt(server, build, bt, when) {
  bt.counter += 1;
  build.number = `${bt.numberPrefix}${bt.counter}`;
  build.state = 'running';
  build.status = 'SUCCESS';
  build.startDate = when;
  build.agentId = bt.type === 'composite' ? null : server.agents[build.id % server.agents.length].id;
}

function finishGenerated(server, build, bt, rng, queuedAt) {
  const roll = rng.next();
  if (roll < 0.02) {
    // canceled while queued: no number, no start, no agent
    build.state = 'finished';
    build.status = 'UNKNOWN';
    build.canceled = { username: 'bob', name: 'Bob Builder', userId: 2, timestamp: queuedAt + 30000, text: 'Removed from the queue' };
    build.statusText = 'Canceled';
    build.finishDate = queuedAt + 30000;
    return;
  }
  const startedAt = queuedAt + rng.int(5, 120) * 1000;
  startAt(server, build, bt, startedAt);
  const duration = rng.int(30, 1800) * 1000;
  build.state = 'finished';
  build.finishDate = startedAt + duration;
  build.finishOnAgentDate = build.finishDate - rng.int(1, 5) * 1000;
  if (roll < 0.04) {
    build.status = 'UNKNOWN';
    build.canceled = { username: 'carol', name: 'Carol Jones', userId: 3, timestamp: build.finishDate, text: 'Superseded by a newer commit' };
    build.statusText = 'Canceled (Step 2/3)';
  } else if (roll < 0.06 && bt.type !== 'deployment') {
    build.failedToStart = true;
    build.status = 'FAILURE';
    build.statusText = 'Failed to start build: no compatible agents';
    build.agentId = null;
    build.finishDate = startedAt;
    build.finishOnAgentDate = null;
  } else if (roll < 0.2) {
    build.status = 'FAILURE';
    build.statusText = 'Exit code 1 (Step: Gradle)';
  } else {
    build.status = 'SUCCESS';
    build.statusText = 'Success';
  }
  if (rng.chance(0.005)) build.history = true;
  if (rng.chance(0.005)) build.pinned = true;
}

function commitMessage(rng, keyRate, key, firstProject, issueMax) {
  if (rng.chance(keyRate)) {
    const [tpl, n] = rng.pick(LINKED);
    const k1 = key();
    const k2 = n > 1 ? key() : null;
    const comment = tpl.replace('{K}', k1).replace('{k}', k1.toLowerCase()).replace('{K2}', k2 || '');
    return { comment, keys: k2 ? [k1, k2] : [k1] };
  }
  if (rng.chance(0.35)) {
    const comment = rng.pick(LOOKALIKE).replace('{P}', firstProject).replace('{n}', String(rng.int(1, issueMax)));
    return { comment, keys: [] };
  }
  return { comment: rng.pick(PLAIN), keys: [] };
}

// Non-default branches: keys in several forms, PR refs, awkward characters.
function makeBranches(rng, cfg, issueProjects, issueMax) {
  if (Array.isArray(cfg.branches) && cfg.branches.length) {
    const { extractKeys } = require('./issue-keys');
    const set = new Set(issueProjects);
    return cfg.branches.map((name) => ({ name, keys: extractKeys(name, set) }));
  }
  const k = () => `${rng.pick(issueProjects)}-${rng.int(1, issueMax)}`;
  const out = [];
  for (let i = 0; i < 6; i++) { const x = k(); out.push({ name: `feature/${x}-${rng.pick(['login', 'cart', 'search', 'audit'])}`, keys: [x] }); }
  for (let i = 0; i < 2; i++) { const x = k(); out.push({ name: `bugfix/${x.toLowerCase()}-crash`, keys: [x] }); }
  for (let i = 0; i < 3; i++) out.push({ name: `${rng.int(10, 400)}/head`, keys: [] });
  out.push({ name: `pull/${rng.int(10, 400)}`, keys: [] });
  { const x = k(); out.push({ name: `feature/(${x})-parens`, keys: [x] }); }
  { const x = k(); out.push({ name: `release/$v2-${x}`, keys: [x] }); }
  { const x = k(); out.push({ name: `feature/ünïcödé-${x}`, keys: [x] }); }
  out.push({ name: 'hotfix/no-key-här', keys: [] });
  out.push({ name: 'dependabot/npm_and_yarn/lodash-4.17.21', keys: [] });
  return out;
}

// Projects (some nested), VCS roots and build configurations.
function makeStructure(server, cfg) {
  server.projects.set('_Root', { id: '_Root', internalId: 'project1', name: '<Root project>', parentProjectId: null, description: 'Contains all other projects', archived: false });
  const nProjects = Number(cfg.projects || 3);
  const perProject = Number(cfg.buildTypesPerProject || 4);
  const nDeploy = Math.min(ENVIRONMENTS.length, Number(cfg.deploymentTypes === undefined ? 2 : cfg.deploymentTypes));
  let projectSeq = 2;
  let btSeq = 1;
  let vcsSeq = 100;
  for (let p = 0; p < nProjects; p++) {
    const name = PROJECT_NAMES[p % PROJECT_NAMES.length] + (p >= PROJECT_NAMES.length ? ` ${Math.floor(p / PROJECT_NAMES.length) + 1}` : '');
    const id = idPart(name);
    server.projects.set(id, { id, internalId: `project${projectSeq++}`, name, parentProjectId: '_Root', description: `${name} services`, archived: false });
    let subId = null;
    if (p % 2 === 1) {
      subId = `${id}_Services`;
      server.projects.set(subId, { id: subId, internalId: `project${projectSeq++}`, name: 'Services', parentProjectId: id, description: '', archived: false });
    }
    server.vcsRoots.set(id, { id: `${id}_Repo`, name: `${id.toLowerCase()}-repo`, instanceId: String(vcsSeq++) });
    const buildId = `${id}_Build`;
    for (let t = 0; t < perProject; t++) {
      const tName = TYPE_NAMES[t % TYPE_NAMES.length] + (t >= TYPE_NAMES.length ? ` ${Math.floor(t / TYPE_NAMES.length) + 1}` : '');
      const btId = `${id}_${idPart(tName)}`;
      const composite = tName === 'All Checks';
      server.buildTypes.set(btId, {
        id: btId, internalId: `bt${btSeq++}`, name: tName, projectId: t >= 2 && subId ? subId : id,
        type: composite ? 'composite' : 'regular', description: '', paused: false,
        snapshotDeps: composite || t > 0 ? [buildId] : [], environment: null,
        hasTests: /Tests/.test(tName), numberPrefix: t === 0 ? '1.4.' : '', counter: 0,
      });
    }
    for (let e = 0; e < nDeploy; e++) {
      const [envName, envType] = ENVIRONMENTS[e];
      const btId = `${id}_DeployTo${envName}`;
      server.buildTypes.set(btId, {
        id: btId, internalId: `bt${btSeq++}`, name: `Deploy to ${envName}`, projectId: id, type: 'deployment',
        description: `Deploys ${name} to ${envName.toLowerCase()}`, paused: false, snapshotDeps: perProject > 0 ? [buildId] : [],
        environment: { name: envName, type: envType }, hasTests: false, numberPrefix: '', counter: 0,
      });
    }
  }
}

module.exports = { generate };
