/**
 * `operon generate crds | rbac | manifests`: loads the operator's entry module and writes its
 * CRDs, RBAC or every deployment manifest under `--out`.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, OperonError } from '../errors.ts';
import { type GenerateWhat, generateFiles, writeFiles } from '../generate/index.ts';
import type { Operator } from '../manager/operator.ts';
import { parse, UsageError } from './usage.ts';

const HELP = `Usage: operon generate <crds|rbac|manifests> [--entry FILE] [--out DIR] [--image IMAGE] [--network-policy]

Loads the operator's entry module (its default export is defineOperator(...)) and writes:
  crds        one CustomResourceDefinition per resource      (DIR/crds/)
  rbac        ServiceAccount, (Cluster)Role and bindings, the metrics roles   (DIR/rbac/)
  manifests   all of the above, a Namespace, a Deployment, the metrics Service and a kustomization.yaml

Options:
  --entry FILE      the entry module; default "operon.entry" in package.json, else src/operator.ts
  --out DIR         output folder; default config/
  --image IMAGE     the operator's image for the Deployment (wins over defineOperator's image):
                    a version tag or a digest, never :latest; manifests needs one or the other
  --network-policy  also a NetworkPolicy letting only namespaces labelled metrics=enabled scrape
The output depends only on the definition and the options: the same input gives the same bytes.
`;

/** Loads the operator from an entry module; errors say what was expected. */
export async function loadOperator(entry: string): Promise<Operator> {
  const path = resolve(entry);
  if (!existsSync(path)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `The entry module ${path} does not exist. Pass --entry FILE, or set "operon": { "entry": "..." } in package.json.`,
    );
  }
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown; operator?: unknown };
  const operator = (mod.default ?? mod.operator) as Operator | undefined;
  if (!operator || typeof operator !== 'object' || !('definition' in operator)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${path} does not export an operator: make its default export \`defineOperator({ name, resources, controllers })\`.`,
    );
  }
  return operator;
}

/** The entry module of the project in the working directory: package.json's `operon.entry`, else src/operator.ts. */
export async function defaultEntry(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { operon?: { entry?: string } };
    if (pkg.operon?.entry) return pkg.operon.entry;
  } catch {}
  return 'src/operator.ts';
}

export async function generateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    entry: { type: 'string' },
    out: { type: 'string' },
    image: { type: 'string' },
    'network-policy': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [what, ...extra] = positionals;
  if (what !== 'crds' && what !== 'rbac' && what !== 'manifests') {
    throw new UsageError(
      `unknown subcommand "generate ${what ?? ''}". Try: operon generate crds | rbac | manifests`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const operator = await loadOperator(values.entry ?? (await defaultEntry()));
  const out = values.out ?? 'config';
  if (values.image !== undefined && what !== 'manifests') {
    throw new UsageError(
      `--image is for "generate manifests" (the Deployment); "generate ${what}" has no image`,
    );
  }
  const written = await writeFiles(
    out,
    generateFiles(operator, what as GenerateWhat, {
      ...(values.image !== undefined ? { image: values.image } : {}),
      ...(values['network-policy'] ? { networkPolicy: true } : {}),
    }),
  );
  for (const p of written) process.stdout.write(`${p}\n`);
  return 0;
}
