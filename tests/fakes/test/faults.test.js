'use strict';
// Fault injection (shared by both fakes), exercised through the fake TeamCity.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { startTeamCity, control, raw } = require('./helpers');

const H = { Authorization: 'Bearer tok', Accept: 'application/json' };
let tc;
let base;
const PATH = '/tc/f/app/rest/builds';

test.before(async () => {
  tc = await startTeamCity();
  base = `${tc.origin}/tc/f`;
  await control(tc.origin, 'POST', '/_control/servers', { name: 'f', token: 'tok', builds: 50 });
});
test.after(() => tc.close());
test.afterEach(() => control(tc.origin, 'DELETE', '/_control/faults'));

const fault = async (spec) => {
  const r = await control(tc.origin, 'POST', '/_control/faults', spec);
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const list = () => raw(`${base}/app/rest/builds?locator=count:5`, { headers: H });

test('canned status with headers, consumed after `times`, `after` skips the first matches', async () => {
  await fault({ method: 'GET', path: PATH, status: 429, headers: { 'Retry-After': '2' }, body: { errors: [{ message: 'slow down' }] }, times: 2, after: 1 });
  assert.equal((await list()).status, 200);
  const r = await list();
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '2');
  assert.deepEqual(JSON.parse(r.body), { errors: [{ message: 'slow down' }] });
  assert.equal((await list()).status, 429);
  assert.equal((await list()).status, 200);
  const log = await control(tc.origin, 'GET', `/_control/requests?path=${PATH}`);
  assert.deepEqual(log.json.entries.slice(-4).map((e) => e.status), [200, 429, 429, 200]);
});

test('502 with an HTML body', async () => {
  await fault({ path: PATH, status: 502, body: '<html><body><h1>502 Bad Gateway</h1>nginx</body></html>' });
  const r = await list();
  assert.equal(r.status, 502);
  assert.equal(r.headers['content-type'], 'text/html');
});

test('redirect is answered, not followed', async () => {
  await fault({ path: PATH, redirectTo: 'http://127.0.0.1:1/elsewhere', status: 302 });
  const r = await list();
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, 'http://127.0.0.1:1/elsewhere');
});

test('delayMs slows the real answer; hang never answers until faults are cleared', async () => {
  await fault({ path: PATH, delayMs: 300 });
  const t0 = Date.now();
  assert.equal((await list()).status, 200);
  assert.ok(Date.now() - t0 >= 290);
  await fault({ path: PATH, hang: true });
  await assert.rejects(raw(`${base}/app/rest/builds`, { headers: H, timeoutMs: 300 }), /timeout|socket hang up/);
  await fault({ path: PATH, hang: true });
  const pending = raw(`${base}/app/rest/builds`, { headers: H, timeoutMs: 5000 }).then(() => 'answered', (err) => err.message);
  await new Promise((r) => setTimeout(r, 100));
  await control(tc.origin, 'DELETE', '/_control/faults'); // releases hung sockets
  assert.match(await pending, /socket hang up|ECONNRESET/);
});

test('truncate gives malformed JSON; wrongTypes turns numbers into objects; invalidUtf8 corrupts a string', async () => {
  await fault({ path: PATH, truncate: true });
  const t = await list();
  assert.equal(t.status, 200);
  assert.throws(() => JSON.parse(t.body));
  await fault({ path: PATH, wrongTypes: true });
  const w = JSON.parse((await list()).body);
  assert.deepEqual(w.count, { value: 5 });
  assert.deepEqual(typeof w.build[0].id, 'object');
  await fault({ path: PATH, invalidUtf8: true });
  const u = (await list()).body;
  assert.ok(u.includes(Buffer.from([0xff, 0xc3, 0x28])));
  assert.equal(new TextDecoder('utf-8', { fatal: false }).decode(u).includes('\ufffd'), true);
});

test('dribble sends the body slowly; cutAfterBytes drops the connection mid-body', async () => {
  await fault({ path: PATH, dribbleMs: 5, dribbleBytes: 200 });
  const t0 = Date.now();
  const d = await list();
  assert.equal(d.status, 200);
  JSON.parse(d.body);
  assert.ok(Date.now() - t0 >= Math.floor(d.body.length / 200) * 5 * 0.8);
  await fault({ path: PATH, cutAfterBytes: 10 });
  await assert.rejects(list(), /aborted|ECONNRESET|socket hang up/);
});

test('huge body is streamed (100 MB) with the announced length', async () => {
  await fault({ path: PATH, hugeBytes: 100 * 1024 * 1024 });
  const before = process.memoryUsage().rss;
  const got = await new Promise((resolve, reject) => {
    http.get(`${base}/app/rest/builds`, { headers: H }, (res) => {
      let n = 0;
      let head = null;
      res.on('data', (c) => { if (!head) head = c.subarray(0, 20).toString(); n += c.length; });
      res.on('end', () => resolve({ n, len: Number(res.headers['content-length']), head }));
    }).on('error', reject);
  });
  assert.equal(got.n, 100 * 1024 * 1024);
  assert.equal(got.len, got.n);
  assert.ok(got.head.startsWith('{"count":0,"padding"'));
  assert.ok(process.memoryUsage().rss - before < 80 * 1024 * 1024, 'not held in memory');
});

test('reset drops the connection; control paths cannot be faulted; bad specs are 400', async () => {
  await fault({ path: PATH, reset: true });
  await assert.rejects(list(), /socket hang up|ECONNRESET/);
  assert.equal((await control(tc.origin, 'POST', '/_control/faults', { path: '/_control/servers', status: 500 })).status, 400);
  assert.equal((await control(tc.origin, 'POST', '/_control/faults', { path: PATH, stauts: 500 })).status, 400);
});

test('request log: counts per path, no secrets', async () => {
  await list();
  const counts = (await control(tc.origin, 'GET', '/_control/requests/counts?path=/tc/f')).json.counts;
  assert.ok(counts[`GET ${PATH}`] >= 1);
  const entries = (await control(tc.origin, 'GET', `/_control/requests?path=${PATH}&limit=1`)).json.entries;
  assert.equal(entries.length, 1);
  assert.equal(entries[0].auth.result, 'ok');
  assert.match(entries[0].auth.tokenHash, /^[0-9a-f]{12}$/);
  assert.ok(!JSON.stringify(entries).includes('tok"'));
});
