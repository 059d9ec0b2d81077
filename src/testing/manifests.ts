/**
 * Kubernetes manifests from YAML or JSON files: `loadManifests()` reads files or folders into
 * objects, with errors that name the file, the line and the fix.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ErrorCode, OperonError } from '../errors.ts';

/** The least a Kubernetes object has. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Parses YAML (any number of `---` documents) or JSON text; `source` names it in errors. */
export function parseManifests(text: string, source: string): KubernetesObject[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out: KubernetesObject[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      const where = error.linePos?.[0] ? `:${error.linePos[0].line}:${error.linePos[0].col}` : '';
      throw new OperonError(
        ErrorCode.InvalidManifest,
        `${source}${where} does not parse as YAML or JSON: ${error.message.split('\n')[0]}. Fix the file (\`kubectl apply --dry-run=client -f ${source}\` shows the same problem).`,
        { cause: error },
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : 1;
    for (const item of expandList(value)) out.push(asObject(item, `${source}:${line}`));
  }
  return out;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function expandList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const v = value as { kind?: unknown; items?: unknown };
  if (typeof v?.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) return v.items;
  return [value];
}

/** Checks that a value has apiVersion, kind and metadata.name; `where` names it in the error. */
export function asObject(value: unknown, where: string): KubernetesObject {
  const v = value as Partial<KubernetesObject> | null;
  const problems: string[] = [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) problems.push('it is not a mapping');
  else {
    if (typeof v.apiVersion !== 'string' || !v.apiVersion) problems.push('apiVersion is missing');
    if (typeof v.kind !== 'string' || !v.kind) problems.push('kind is missing');
    if (typeof v.metadata !== 'object' || v.metadata === null) problems.push('metadata is missing');
    else if (typeof v.metadata.name !== 'string' && typeof v.metadata.generateName !== 'string')
      problems.push('metadata.name is missing');
  }
  if (problems.length > 0) {
    throw new OperonError(
      ErrorCode.InvalidManifest,
      `${where} is not a Kubernetes object: ${problems.join(', ')}. Each document needs apiVersion, kind and metadata.name.`,
    );
  }
  return v as KubernetesObject;
}

/** Reads manifests from files and folders (their .yaml, .yml and .json files, sorted by name). */
export async function loadManifests(paths: readonly string[]): Promise<KubernetesObject[]> {
  const out: KubernetesObject[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (cause) {
      throw new OperonError(ErrorCode.InvalidManifest, `Manifest ${path} does not exist or cannot be read.`, {
        cause,
      });
    }
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => EXTENSIONS.has(extname(n))).sort();
      out.push(...(await loadManifests(names.map((n) => join(path, n)))));
    } else {
      out.push(...parseManifests(await readFile(path, 'utf8'), path));
    }
  }
  return out;
}
