// The child processes a benchmark starts: the fakes of tests/fakes, and free loopback ports for
// the ones whose address must be known in advance. Every child is killed when the run exits.
'use strict';

const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(130));

// Starts tests/fakes/<script>/main.js and resolves to its base URL and the one line it prints when
// listening (parsed), which some fakes extend with addresses of their own.
function startFakeAnnounced(script, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [path.join(root, 'tests/fakes', script, 'main.js'), '--port', '0', '--ignore-stdin', ...extraArgs],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      try {
        const announcement = JSON.parse(line);
        resolve({ url: `http://127.0.0.1:${announcement.listening.port}`, announcement });
      } catch { /* not a whole line yet */ }
    });
    child.on('exit', (code) => reject(new Error(`${script} fake exited with ${code}`)));
  });
}

async function startFake(script, extraArgs = []) {
  return (await startFakeAnnounced(script, extraArgs)).url;
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = { root, children, startFake, startFakeAnnounced, freePort };
