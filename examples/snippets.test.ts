/**
 * The docs quote the examples and tests: each TypeScript block of the tutorial and the Backup
 * walk-through must still be in some source file, so a change to the code that the docs do not
 * follow fails here instead of misleading a reader. A block matches a file when its lines appear
 * there in order (indentation ignored; other lines may come between, as where a quote skips a
 * part; layout ignored, so a line the docs keep whole may be wrapped in the code); in a line,
 * `...` or `…` stands for anything (`Type.String({ ... })`). A block that is
 * not a quote (a sketch of what a user writes) is marked with `<!-- sketch -->` on the line
 * before it; the rule is that such blocks are few and say so.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

/** Every .ts file under these folders of the repository. */
function sources(...dirs: string[]): Array<{ path: string; lines: string[] }> {
  const out: Array<{ path: string; lines: string[] }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(rel);
      } else if (e.name.endsWith('.ts')) {
        out.push({ path: rel, lines: trimmed(readFileSync(join(root, rel), 'utf8')) });
      }
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

function trimmed(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

interface Block {
  line: number;
  lines: string[];
  sketch: boolean;
}

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    blocks.push({
      line: start + 1,
      lines: trimmed(body.join('\n')),
      sketch: before >= 0 && lines[before]!.trim() === '<!-- sketch -->',
    });
  }
  return blocks;
}

const ELISION = /\.\.\.|…/;
/** A line that is only an elision: `...`, `// ...`, `// … the first reconcile ran …`. */
const MARKER = /^(\/\/\s*)?(\.\.\.|…)/;

/** Code without its layout: no whitespace, no trailing comma before a closing bracket. */
function compact(code: string): string {
  return code.replace(/\s+/g, '').replace(/,([)\]}])/g, '$1');
}

/** The longest run of source lines one elided doc line may stand for (`Type.String({ ... })`). */
const MAX_ELIDED_LINES = 12;

/**
 * How many source lines from `at` the doc line matches: 1 for the same line, more when its
 * elision stands for a construct over several lines; 0 when it does not match there.
 */
function lineMatcher(docLine: string): (source: string[], at: number) => number {
  if (!ELISION.test(docLine)) {
    // The same code laid out over several lines (the formatter wraps what the docs keep on one).
    const want = compact(docLine);
    return (s, at) => {
      if (s[at] === docLine) return 1;
      let joined = '';
      for (let n = 1; n <= MAX_ELIDED_LINES && at + n <= s.length; n++) {
        joined += s[at + n - 1];
        const got = compact(joined);
        if (got === want) return n;
        if (!want.startsWith(got.replace(/,$/, ''))) return 0;
      }
      return 0;
    };
  }
  const pattern = docLine
    .split(/\.\.\.|…/)
    .map((part) => compact(part).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${pattern}$`);
  return (s, at) => {
    // A source line that itself has `...` (a spread) matches literally too.
    if (s[at] === docLine) return 1;
    let joined = '';
    for (let n = 1; n <= MAX_ELIDED_LINES && at + n <= s.length; n++) {
      joined += s[at + n - 1];
      if (re.test(compact(joined))) return n;
    }
    return 0;
  };
}

/** Whether `block` appears in `source` in order; else the first line that could not be found. */
export function quoteOf(block: string[], source: string[]): { ok: true } | { ok: false; missing: string } {
  let at = 0;
  for (const docLine of block) {
    if (MARKER.test(docLine)) continue; // `// ...` alone: a part left out, matched by the gap
    const matches = lineMatcher(docLine);
    let n = 0;
    for (; at < source.length; at++) {
      n = matches(source, at);
      if (n > 0) break;
    }
    if (at === source.length) return { ok: false, missing: docLine };
    at += n;
  }
  return { ok: true };
}

/** The best file for a block: one holding all of it, else the one that holds the most of it. */
function findQuote(block: string[], files: Array<{ path: string; lines: string[] }>): string | undefined {
  const first = block[0];
  for (const f of files) {
    const head = first === undefined ? undefined : lineMatcher(first);
    if (head && !f.lines.some((_l, i) => head(f.lines, i) > 0)) continue;
    if (quoteOf(block, f.lines).ok) return undefined;
  }
  let best = { path: '(no file)', held: -1, missing: block[0] ?? '' };
  for (const f of files) {
    for (let n = block.length; n > 0; n--) {
      if (quoteOf(block.slice(0, n), f.lines).ok) {
        if (n > best.held) best = { path: f.path, held: n, missing: block[n] ?? '' };
        break;
      }
    }
  }
  return `closest is ${best.path} (${best.held} of ${block.length} lines), which lacks: ${best.missing}`;
}

describe('docs quote the code', () => {
  const files = sources('examples', 'test', 'src');
  // The walk-throughs quote the examples; the other pages' few blocks show API shapes and are
  // checked only when not marked as sketches.
  for (const [doc, min] of [
    ['docs/tutorial.md', 10],
    ['docs/backup.md', 8],
    ['docs/webhooks.md', 1],
    ['docs/security.md', 1],
    ['README.md', 1],
  ] as const) {
    it(`every TypeScript block of ${doc} is in the sources, or marked a sketch`, () => {
      const blocks = tsBlocks(readFileSync(join(root, doc), 'utf8'));
      assert.ok(blocks.length >= min, `${doc} has its blocks`);
      const stale = blocks
        .filter((b) => !b.sketch)
        .flatMap((b) => {
          const why = findQuote(b.lines, files);
          return why ? [`${doc}:${b.line}: ${why}`] : [];
        });
      assert.deepEqual(stale, [], `blocks that no longer quote the code:\n${stale.join('\n')}`);
      const sketches = blocks.filter((b) => b.sketch).length;
      if (min >= 8)
        assert.ok(sketches <= blocks.length / 4, `${sketches} of ${blocks.length} blocks are sketches`);
    });
  }

  it('the matcher finds quotes in order with elisions, and refuses a changed line', () => {
    const source = ['a({', 'x: Type.String({ minLength: 1 }),', 'y: 2,', '});'];
    assert.deepEqual(quoteOf(['a({', 'y: 2,', '});'], source), { ok: true });
    assert.deepEqual(quoteOf(['x: Type.String({ ... }),'], source), { ok: true });
    const multi = ['s: Type.String({', "description: 'when',", 'maxLength: 9,', '}),', 'next,'];
    assert.deepEqual(
      quoteOf(['s: Type.String({ ... }),', 'next,'], multi),
      { ok: true },
      'an elision over lines',
    );
    assert.deepEqual(quoteOf(['y: 2,', 'a({'], source), { ok: false, missing: 'a({' });
    assert.deepEqual(
      quoteOf(['a({', '// ...', '});'], source),
      { ok: true },
      'a marker line stands for the gap',
    );
    assert.deepEqual(quoteOf(['y: 3,'], source), { ok: false, missing: 'y: 3,' });
    const md = '<!-- sketch -->\n\n```ts\nfoo();\n```\n\ntext\n```ts\n  bar();\n```\n';
    assert.deepEqual(
      tsBlocks(md).map((b) => [b.line, b.lines, b.sketch]),
      [
        [3, ['foo();'], true],
        [8, ['bar();'], false],
      ],
    );
  });
});
