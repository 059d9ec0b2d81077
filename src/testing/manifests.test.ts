import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, isOperonError } from '../errors.ts';
import { loadManifests, parseManifests } from './manifests.ts';

describe('manifests', () => {
  it('reads every YAML document and expands List kinds', () => {
    const objs = parseManifests(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n`,
      'x.yaml',
    );
    assert.deepEqual(
      objs.map((o) => `${o.kind}/${o.metadata.name}`),
      ['ConfigMap/a', 'Secret/b'],
    );
  });

  it('names the file and line of a YAML syntax error', () => {
    assert.throws(
      () =>
        parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n', 'crds/bad.yaml'),
      (err: unknown) =>
        isOperonError(err, ErrorCode.InvalidManifest) && /crds\/bad\.yaml:\d+:\d+/.test(err.message),
    );
  });

  it('says what a document lacks to be a Kubernetes object', () => {
    assert.throws(
      () => parseManifests('---\nfoo: bar\n', 'thing.yaml'),
      (err: unknown) =>
        isOperonError(err, ErrorCode.InvalidManifest) &&
        /thing\.yaml:2/.test(err.message) &&
        /apiVersion is missing/.test(err.message),
    );
  });

  it('reads a folder of manifests in name order and reports a missing path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operon-manifests-'));
    try {
      await writeFile(
        join(dir, 'b.json'),
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }),
      );
      await writeFile(join(dir, 'a.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
      await writeFile(join(dir, 'notes.txt'), 'ignored');
      const objs = await loadManifests([dir]);
      assert.deepEqual(
        objs.map((o) => o.metadata.name),
        ['a', 'b'],
      );
      await assert.rejects(loadManifests([join(dir, 'missing.yaml')]), (err: unknown) =>
        isOperonError(err, ErrorCode.InvalidManifest),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
