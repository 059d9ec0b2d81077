import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger.ts';

describe('logger', () => {
  it('writes one JSON object per line with bound fields, and serializes errors with their cause', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l) }).child({ controller: 'web' });
    log.error('reconcile failed', { err: new Error('outer', { cause: new Error('inner') }), key: 'ns/a' });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!);
    assert.equal(entry.level, 'error');
    assert.equal(entry.msg, 'reconcile failed');
    assert.equal(entry.controller, 'web');
    assert.equal(entry.key, 'ns/a');
    assert.deepEqual(entry.err, {
      name: 'Error',
      message: 'outer',
      cause: { name: 'Error', message: 'inner' },
    });
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', level: 'warn', write: (l) => lines.push(l) });
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown');
    assert.equal(lines.length, 1);
    assert.equal(log.enabled('info'), false);
    assert.equal(log.enabled('error'), true);
  });

  it('writes readable lines when a terminal is attached', () => {
    const lines: string[] = [];
    createLogger({ tty: true, write: (l) => lines.push(l) }).info('hello', { n: 1 });
    assert.match(lines[0]!, /INFO .*hello .*n=1/);
    assert.throws(() => JSON.parse(lines[0]!));
  });
});
