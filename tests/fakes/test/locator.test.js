'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseLocator, parseChecked, serialize } = require('../teamcity/locator');
const { parseFields } = require('../teamcity/fields');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');

test('single values and simple dimensions', () => {
  assert.equal(parseLocator('123').single, '123');
  const loc = parseLocator('buildType:(id:Proj_Build),state:finished,count:100');
  assert.deepEqual(loc.order, ['buildType', 'state', 'count']);
  assert.equal(loc.dims.get('buildType')[0].value, 'id:Proj_Build');
  assert.equal(loc.dims.get('state')[0].value, 'finished');
});

test('nested parentheses and values containing commas and colons', () => {
  const loc = parseLocator('branch:(name:feature/x,default:any),snapshotDependency:(to:(id:5),includeInitial:true),branch:default:any');
  assert.equal(loc.dims.get('branch')[0].value, 'name:feature/x,default:any');
  assert.equal(loc.dims.get('branch')[1].value, 'default:any');
  assert.equal(loc.dims.get('snapshotDependency')[0].value, 'to:(id:5),includeInitial:true');
  assert.equal(parseLocator('(a,b:c)').single, 'a,b:c');
});

test('$base64 values (url-safe, no padding) in and out of parentheses', () => {
  const name = 'feature/(ABC-12)-$weird,ünï';
  for (const text of [`branch:($base64:${b64(name)})`, `branch:$base64:${b64(name)}`]) {
    const v = parseLocator(text).dims.get('branch')[0];
    assert.equal(v.value, name);
    assert.equal(v.b64, true);
  }
  assert.equal(parseLocator(`$base64:${b64('a:b')}`).single, 'a:b');
  const nested = parseLocator(`name:(value:($base64:${b64('x(y)')}),matchType:equals)`);
  assert.equal(parseLocator(nested.dims.get('name')[0].value).dims.get('value')[0].value, 'x(y)');
});

test('malformed locators give TeamCity-style 400s', () => {
  for (const bad of ['state:(finished', 'a:(b)c', ',x:1', 'buildType:(id:X', 'fo-o:1']) {
    assert.throws(() => parseChecked(bad, ['state', 'a', 'x', 'buildType']), (err) => err.status === 400 && /Bad locator syntax|Invalid/.test(err.body.errors[0].message), bad);
  }
  assert.throws(() => parseChecked('', ['id']), (err) => err.status === 400);
});

test('unknown dimensions are listed with the supported ones', () => {
  assert.throws(() => parseChecked('foo:1,id:2', ['id', 'count']), (err) => {
    assert.equal(err.status, 400);
    assert.match(err.body.errors[0].message, /Locator dimension \[foo\] is unknown\. Supported dimensions are: \[id, count\]/);
    return true;
  });
  assert.throws(() => parseChecked('$help', ['id']), (err) => /Locator help requested: Supported dimensions are: \[id\]/.test(err.body.errors[0].message));
});

test('serialize keeps raw values and puts paging dimensions first', () => {
  const loc = parseLocator(`sinceDate:20160807T231459+0000,branch:($base64:${b64('a(b)')}),count:5`);
  assert.equal(serialize(loc, { count: 5, start: 5 }), `count:5,start:5,sinceDate:20160807T231459+0000,branch:($base64:${b64('a(b)')})`);
});

test('fields grammar: nesting, specials, $locator', () => {
  const spec = parseFields('count,nextHref,build(id,number,changes($locator(count:2),change(id,version)),buildType(id,type))');
  assert.deepEqual([...spec.items.keys()], ['count', 'nextHref', 'build']);
  const b = spec.items.get('build');
  assert.equal(b.items.get('changes').locator, 'count:2');
  assert.deepEqual([...b.items.get('changes').items.get('change').items.keys()], ['id', 'version']);
  assert.equal(b.items.get('id'), null);
  assert.equal(parseFields('$long,properties(property(name))').base, 'long');
  assert.equal(parseFields('*').base, 'all');
  assert.throws(() => parseFields('build(id'), (err) => err.status === 400);
});
