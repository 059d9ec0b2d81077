import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLabelSelector } from './selector.ts';

describe('label selectors in memory', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' };

  it('matches equality, inequality and existence as the API server does', () => {
    assert.equal(parseLabelSelector('app=web')(labels), true);
    assert.equal(parseLabelSelector('app==web,tier=front')(labels), true);
    assert.equal(parseLabelSelector('app=db')(labels), false);
    assert.equal(parseLabelSelector('app!=db')(labels), true);
    assert.equal(parseLabelSelector('missing!=x')(labels), true, 'a missing key is != anything');
    assert.equal(parseLabelSelector('env')(labels), true);
    assert.equal(parseLabelSelector('!env')(labels), false);
    assert.equal(parseLabelSelector('!gone')(labels), true);
    assert.equal(parseLabelSelector('')(labels), true);
    assert.equal(parseLabelSelector('app=web')(undefined), false);
  });

  it('matches set-based requirements, commas inside parentheses included', () => {
    assert.equal(parseLabelSelector('tier in (front, back)')(labels), true);
    assert.equal(parseLabelSelector('tier in (back),app=web')(labels), false);
    assert.equal(parseLabelSelector('env notin (dev,test)')(labels), true);
    assert.equal(parseLabelSelector('env notin (prod)')(labels), false);
    assert.equal(parseLabelSelector('gone notin (x)')(labels), true);
    assert.equal(parseLabelSelector('gone in (x)')(labels), false);
  });

  it('rejects a selector it cannot parse, showing the forms it takes', () => {
    assert.throws(() => parseLabelSelector('app in web'), /Cannot parse "app in web".*key in \(a,b\)/);
  });
});
