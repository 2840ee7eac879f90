// A PostgreSQL primary with a synchronous streaming standby under one folder, on loopback ports,
// for the soak run: the same setup as tests/e2e/replicated_cluster.hpp, with the failover tool's
// moves (stop the primary hard, promote the standby, rebuild the old primary as the new standby).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const bindir = (() => {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found: run scripts/install-deps');
  versions.sort((a, b) => Number(a) - Number(b));
  return path.join(base, versions[versions.length - 1], 'bin');
})();
const asPostgres = process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];

// A PostgreSQL program as the postgres user; throws with its output unless check is false.
function run(program, args, check = true) {
  const argv = [...asPostgres, path.join(bindir, program), ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (check && r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

class ReplicatedCluster {
  // ports: two free loopback ports, one per node.
  constructor(root, ports) {
    fs.mkdirSync(root, { recursive: true, mode: 0o755 });
    if (asPostgres.length) spawnSync('chown', ['postgres:', root]);
    this.nodes = ports.map((port, i) => ({ data: path.join(root, `node${i}`), port }));
    this.primary = 0;
  }

  get standby() { return 1 - this.primary; }

  url(user, database) {
    const hosts = this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
    return `postgresql://${user}@${hosts}/${database}?target_session_attrs=read-write&connect_timeout=2`;
  }

  psql(node, sql, database = 'postgres') {
    const n = this.nodes[node];
    return run('psql', ['-h', n.data, '-p', String(n.port), '-d', database, '-X', '-A', '-t', '-c', sql]).trim();
  }

  start(database) {
    const first = this.nodes[0];
    run('initdb', ['-D', first.data, '-U', 'postgres', '--auth-local=trust', '--auth-host=trust', '-E', 'UTF8', '--no-locale']);
    fs.appendFileSync(path.join(first.data, 'postgresql.conf'),
                      "listen_addresses = '127.0.0.1'\nwal_keep_size = '1GB'\nmax_connections = 100\n");
    this.writeNodeSettings(0);
    this.startNode(0);
    this.psql(0, `CREATE DATABASE ${database}`);
    this.addStandby(1);
  }

  startNode(i) {
    const n = this.nodes[i];
    run('pg_ctl', ['-D', n.data, '-l', path.join(n.data, 'server.log'), '-w', '-t', '60', 'start']);
  }

  // What differs between the nodes, last in postgresql.auto.conf so it wins over what a base
  // backup copied from the other node.
  writeNodeSettings(i) {
    const n = this.nodes[i];
    fs.appendFileSync(path.join(n.data, 'postgresql.auto.conf'),
                      `port = ${n.port}\nunix_socket_directories = '${n.data}'\ncluster_name = 'node${i}'\n` +
                      "synchronous_standby_names = ''\n");
  }

  addStandby(i) {
    const from = this.nodes[this.primary];
    run('pg_basebackup', ['-D', this.nodes[i].data, '-R', '-X', 'stream', '--checkpoint=fast', '-h', '127.0.0.1', '-p', String(from.port), '-U', 'postgres']);
    this.writeNodeSettings(i);
    this.startNode(i);
    this.waitFor("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
    this.psql(this.primary, "ALTER SYSTEM SET synchronous_standby_names = '*'");
    this.psql(this.primary, 'SELECT pg_reload_conf()');
    this.waitFor("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'");
  }

  waitFor(countSql) {
    for (let i = 0; i < 600; ++i) {
      if (Number(this.psql(this.primary, countSql)) > 0) return;
      spawnSync('sleep', ['0.1']);
    }
    throw new Error(`the standby did not catch up: ${countSql}`);
  }

  stopPrimaryHard() {
    run('pg_ctl', ['-D', this.nodes[this.primary].data, '-m', 'immediate', '-w', 'stop']);
  }

  promoteStandby() {
    const next = this.standby;
    run('pg_ctl', ['-D', this.nodes[next].data, '-w', '-t', '60', 'promote']);
    this.primary = next;
  }

  rejoinAsStandby() {
    const old = this.standby;
    fs.rmSync(this.nodes[old].data, { recursive: true, force: true });
    this.addStandby(old);
  }

  stop() {
    for (const n of this.nodes) {
      if (fs.existsSync(path.join(n.data, 'postmaster.pid'))) run('pg_ctl', ['-D', n.data, '-m', 'immediate', '-w', 'stop'], false);
    }
  }
}

module.exports = { ReplicatedCluster };
