'use strict';
// The startup protocol the C++ tests rely on: one JSON line on stdout, nothing
// else, exit on stdin EOF and on SIGTERM.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');

function launch(which, args = []) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', which, 'main.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const firstLine = new Promise((resolve) => {
    const check = () => { if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n'))); else child.stdout.once('data', check); };
    child.stdout.once('data', check);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, firstLine, exited, output: () => out };
}

for (const which of ['atlassian', 'teamcity']) {
  test(`${which}: announces its port and exits on stdin EOF`, async () => {
    const p = launch(which);
    const line = await p.firstLine;
    const msg = JSON.parse(line);
    assert.equal(msg.listening.host, '127.0.0.1');
    assert.ok(Number.isInteger(msg.listening.port) && msg.listening.port > 0);
    const res = await fetch(`http://127.0.0.1:${msg.listening.port}/_control/requests`);
    assert.equal(res.status, 200);
    p.child.stdin.end();
    const { code } = await p.exited;
    assert.equal(code, 0);
    assert.equal(p.output(), `${line}\n`, 'nothing but the announcement on stdout');
  });

  test(`${which}: exits cleanly on SIGTERM`, async () => {
    const p = launch(which, ['--port', '0', '--host', '127.0.0.1']);
    await p.firstLine;
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    assert.equal(code, 0);
  });
}

test('atlassian: the stand-in Forge CDN origin is an extra field after "listening"', async () => {
  const p = launch('atlassian');
  const line = await p.firstLine;
  const msg = JSON.parse(line);
  assert.deepEqual(Object.keys(msg), ['listening', 'cdnOrigin']);
  // The C++ harness takes the first "port":N of the line.
  assert.equal(Number(line.match(/"port":(\d+)/)[1]), msg.listening.port);
  assert.match(msg.cdnOrigin, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(new URL(msg.cdnOrigin).port, String(msg.listening.port));
  const res = await fetch(`${msg.cdnOrigin}/_forge/bridge.js`);
  assert.equal(res.status, 200);
  const control = await (await fetch(`http://127.0.0.1:${msg.listening.port}/_control/forge`)).json();
  assert.equal(control.cdnOrigin, msg.cdnOrigin);
  p.child.stdin.end();
  assert.equal((await p.exited).code, 0);
});

test('--ignore-stdin keeps running after stdin EOF', async () => {
  const p = launch('teamcity', ['--ignore-stdin']);
  const { listening } = JSON.parse(await p.firstLine);
  p.child.stdin.end();
  await new Promise((r) => setTimeout(r, 200));
  const res = await fetch(`http://127.0.0.1:${listening.port}/_control/servers`);
  assert.equal(res.status, 200);
  p.child.kill('SIGTERM');
  assert.equal((await p.exited).code, 0);
});

test('bad arguments exit with code 2', async () => {
  const p = launch('atlassian', ['--bogus']);
  assert.equal((await p.exited).code, 2);
});
