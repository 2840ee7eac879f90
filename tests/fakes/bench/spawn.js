'use strict';
// Starts a fake as a child process using the startup protocol and returns its
// origin; used by the bench scripts (and mirrors what the C++ tests do).
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

function startFake(which, args = []) {
  const main = path.join(__dirname, '..', which, 'main.js');
  const child = spawn(process.execPath, [main, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      const { listening } = JSON.parse(line);
      resolve({ child, origin: `http://${listening.host}:${listening.port}`, stop: () => child.stdin.end() });
    });
    child.once('exit', (code) => reject(new Error(`${which} fake exited with ${code}`)));
  });
}

module.exports = { startFake };
