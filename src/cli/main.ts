#!/usr/bin/env node
/**
 * The `operon` command: one file per subcommand, dispatched from here.
 */

import { isOperonError } from '../errors.ts';
import { buildCommand } from './build.ts';
import { clusterCommand } from './cluster.ts';
import { controlplaneCommand } from './controlplane.ts';
import { generateCommand } from './generate.ts';
import { initCommand } from './init.ts';
import { UsageError } from './usage.ts';

const HELP = `operon: build and run Kubernetes operators in TypeScript

Usage:
  operon init DIR [--name N] [--group G] [--kind K]        scaffold a new operator project in DIR
  operon controlplane install [--version X.Y] [--force]   find or build the local control-plane binaries
  operon cluster up | down | status | kubeconfig           a persistent local development cluster
  operon generate crds | rbac | manifests [--out DIR]      CRDs, RBAC and deployment manifests of an operator
  operon build [ENTRY] [--outfile dist/operator.mjs]       bundle the operator and Operon into one file to run
  operon help                                              this text

Run \`operon <command> --help\` for a command's options.
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  init: initCommand,
  controlplane: controlplaneCommand,
  cluster: clusterCommand,
  generate: generateCommand,
  build: buildCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  const run = commands[command];
  if (!run)
    throw new UsageError(`unknown command "${command}". Commands: ${Object.keys(commands).join(', ')}.`);
  return run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`operon: ${err.message}\nRun \`operon help\` for usage.\n`);
    process.exitCode = 2;
  } else if (isOperonError(err)) {
    process.stderr.write(`operon: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(
      `operon: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
