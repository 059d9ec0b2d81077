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

  it('reads OPERON_LOG_LEVEL once, when the logger is created: its children keep that level', () => {
    const before = process.env.OPERON_LOG_LEVEL;
    try {
      process.env.OPERON_LOG_LEVEL = 'error';
      const log = createLogger({ format: 'json', write: () => {} });
      process.env.OPERON_LOG_LEVEL = 'debug';
      const child = log.child({ key: 'ns/a' });
      assert.equal(child.enabled('warn'), false);
      assert.equal(child.enabled('error'), true);
      assert.equal(createLogger({ format: 'json', write: () => {} }).enabled('debug'), true);
    } finally {
      if (before === undefined) delete process.env.OPERON_LOG_LEVEL;
      else process.env.OPERON_LOG_LEVEL = before;
    }
  });

  it('writes readable lines when a terminal is attached', () => {
    const lines: string[] = [];
    createLogger({ tty: true, write: (l) => lines.push(l) }).info('hello', { n: 1 });
    assert.match(lines[0]!, /INFO .*hello .*n=1/);
    assert.throws(() => JSON.parse(lines[0]!));
  });
});

/** Values that break naive serialisers, each with the name a failing assertion reports. */
function hostileValues(): Array<[string, unknown]> {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const circularCause = new Error('outer');
  (circularCause as { cause?: unknown }).cause = new Error('inner', { cause: circularCause });
  const getterThrows = {
    ok: 1,
    get bad(): unknown {
      throw new Error('getter exploded');
    },
  };
  const toJsonThrows = {
    toJSON() {
      throw new Error('toJSON exploded');
    },
  };
  const trap = () => {
    throw new Error('trap exploded');
  };
  const proxy = new Proxy(
    {},
    {
      get: trap,
      has: trap,
      ownKeys: trap,
      getOwnPropertyDescriptor: trap,
      getPrototypeOf: trap,
      apply: trap,
      construct: trap,
      defineProperty: trap,
      deleteProperty: trap,
      set: trap,
      setPrototypeOf: trap,
      isExtensible: trap,
      preventExtensions: trap,
    },
  );
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const messageThrows = new Error('x');
  Object.defineProperty(messageThrows, 'message', {
    get() {
      throw new Error('message getter exploded');
    },
  });
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 10_000; i++) {
    const next = {};
    deep.next = next;
    deep = next;
  }
  return [
    ['a circular object', circular],
    ['an error with a circular cause', circularCause],
    ['an error whose cause is not an Error', new Error('e', { cause: { reason: 'no', n: 1n } })],
    ['an error whose cause holds a BigInt', new Error('e', { cause: 10n })],
    ['a BigInt', 12n],
    ['a Symbol', Symbol('s')],
    ['an object holding a BigInt and a Symbol', { n: 1n, s: Symbol('t'), f() {} }],
    ['a getter that throws', getterThrows],
    ['a toJSON that throws', toJsonThrows],
    ['a Proxy that throws on every trap', proxy],
    ['an error whose cause is such a Proxy', new Error('e', { cause: proxy })],
    ['a revoked Proxy', revocable.proxy],
    ['an object without a prototype', Object.assign(Object.create(null), { a: 1 })],
    ['an error whose message getter throws', messageThrows],
    ['a 10 MB string', 'x'.repeat(10 * 1024 * 1024)],
    ['10 000 levels of nesting', root],
    ['a Map with object keys', new Map<unknown, unknown>([[{ k: 1 }, 1n]])],
    [
      'a Set holding itself',
      (() => {
        const s = new Set<unknown>();
        s.add(s);
        return s;
      })(),
    ],
    ['a huge array', Array.from({ length: 100_000 }, (_, i) => i)],
    ['NaN', Number.NaN],
    ['an invalid Date', new Date(Number.NaN)],
    ['an AggregateError of hostile values', new AggregateError([proxy, circular], 'many')],
  ];
}

describe('logger totality', () => {
  for (const format of ['json', 'pretty'] as const) {
    it(`never throws on values that cannot be serialised (${format}), and writes one line each`, () => {
      for (const [name, value] of hostileValues()) {
        const lines: string[] = [];
        const log = createLogger({ format, level: 'debug', write: (l) => lines.push(l) });
        assert.doesNotThrow(() => log.error('bad value', { value, err: value }), name);
        assert.doesNotThrow(() => log.child({ bound: value }).info('child', { value }), name);
        assert.doesNotThrow(() => log.warn(value as string, value as Record<string, unknown>), name);
        assert.equal(lines.length, 3, name);
        for (const line of lines) {
          assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), `${name}: one line`);
          assert.ok(line.length < 4 * 1024 * 1024, `${name}: bounded (${line.length} chars)`);
          if (format === 'json') assert.doesNotThrow(() => JSON.parse(line), name);
        }
      }
    });
  }

  it('renders what it cannot print as JSON recognisably', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l) });
    const values = Object.fromEntries(hostileValues());
    log.info('m', {
      circular: values['a circular object'],
      big: 12n,
      sym: Symbol('s'),
      getter: values['a getter that throws'],
      json: values['a toJSON that throws'],
      proxy: values['a Proxy that throws on every trap'],
      cause: values['an error with a circular cause'],
      long: 'y'.repeat(100_000),
    });
    const e = JSON.parse(lines[0]!);
    assert.deepEqual(e.circular, { a: 1, self: '[Circular]' });
    assert.equal(e.big, '12n');
    assert.equal(e.sym, 'Symbol(s)');
    assert.deepEqual(e.getter, { ok: 1, bad: '[getter threw: getter exploded]' });
    assert.equal(e.json, '[toJSON threw: toJSON exploded]');
    assert.equal(e.proxy, '[Unserializable: trap exploded]');
    assert.deepEqual(e.cause, {
      name: 'Error',
      message: 'outer',
      cause: { name: 'Error', message: 'inner', cause: '[Circular]' },
    });
    assert.ok(e.long.length < 20_000 && e.long.endsWith('more chars)'));
  });

  it('loses only the line when its write throws or rejects', async () => {
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      const throwing = createLogger({
        format: 'json',
        write: () => {
          throw new Error('disk full');
        },
      });
      assert.doesNotThrow(() => throwing.error('x', { n: 1n }));
      assert.doesNotThrow(() => throwing.child({ a: 1 }).info('y'));
      const rejecting = createLogger({
        format: 'pretty',
        write: (() => Promise.reject(new Error('async disk full'))) as unknown as (l: string) => void,
      });
      rejecting.info('z');
      // Unhandled rejections are reported after the microtask queue drains: let one turn pass.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('escapes control characters in pretty lines: no terminal escape injection from names or messages', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'pretty', write: (l) => lines.push(l) });
    const evil = 'web\x1b]0;pwned\x07\x1b[2J\r\u009b31m\u202egnp.exe';
    log.info(`reconciling ${evil}`, { name: evil, [`key${evil}`]: 1, nested: { evil } });
    const line = lines[0]!;
    // Strip the logger's own colour codes; nothing else may be a control character.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the logger's own colour codes
    const ours = line.replace(/\x1b\[(0|90|36|33|31)m/g, '').slice(0, -1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    assert.doesNotMatch(ours, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.ok(ours.includes('\\u001b[2J') && ours.includes('\\u009b') && ours.includes('\\u202e'));
  });

  it('keeps the built-in time, level and msg in JSON lines when fields share their names', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l) }).child({ level: 'bound' });
    const proto = JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    log.info('real message', { time: 'then', level: 'error', msg: 'forged', ...proto });
    const e = JSON.parse(lines[0]!);
    assert.equal(e.level, 'info');
    assert.equal(e.msg, 'real message');
    assert.match(e.time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(e['field.level'], 'error');
    assert.equal(e['field.msg'], 'forged');
    assert.equal(e['field.time'], 'then');
    assert.deepEqual(Object.getOwnPropertyDescriptor(e, '__proto__')?.value, { polluted: 1 });
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});
