import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadEsbuild } from './build.ts';
import { UsageError } from './usage.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'operon-esbuild-'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A project folder with an entry module, and, when `esbuild` is given, a stand-in esbuild package. */
async function project(name: string, esbuild?: string): Promise<URL> {
  const dir = join(tmp, name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  await writeFile(join(dir, 'src/operator.ts'), '');
  if (esbuild !== undefined) {
    const pkg = join(dir, 'node_modules/esbuild');
    await mkdir(join(pkg, 'lib'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), '{"name":"esbuild","main":"lib/main.js"}');
    await writeFile(join(pkg, 'lib/main.js'), `exports.version = ${JSON.stringify(esbuild)};`);
  }
  return pathToFileURL(join(dir, 'src/operator.ts'));
}

describe('operon build: loading esbuild', () => {
  it('says which npm install to run when esbuild is found from none of the places it looks', async () => {
    const bare = await project('bare');
    await assert.rejects(
      loadEsbuild([bare]),
      (err: unknown) =>
        err instanceof UsageError &&
        /operon build needs esbuild, which is not installed here: npm install --save-dev esbuild@\^?\d+\.\d+/.test(
          err.message,
        ),
    );
  });

  it("takes the project's own esbuild first, then the one beside Operon", async () => {
    const own = await project('own', '0.0.0-stand-in');
    assert.equal((await loadEsbuild([own, import.meta.url])).version, '0.0.0-stand-in');
    // None in the project: the one Operon resolves (its devDependency here) is the real esbuild.
    const bare = await project('bare-too');
    const esbuild = await loadEsbuild([bare, import.meta.url]);
    assert.equal(typeof esbuild.build, 'function');
    assert.match(esbuild.version, /^\d+\.\d+\.\d+$/);
  });
});
