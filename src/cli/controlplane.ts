/**
 * `operon controlplane install`: finds the control-plane binaries, or builds them from Go modules,
 * and prints their directory on the last line.
 */

import { dirname } from 'node:path';
import { COMPONENTS, installBinaries } from '../testing/binaries.ts';
import { K8S_VERSION_ENV, RELEASES } from '../testing/versions.ts';
import { parse, printProgress, UsageError } from './usage.ts';

const HELP = `Usage: operon controlplane install [--version X.Y] [--force]

Finds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok where envtest looks
(TEST_ASSET_<NAME>, KUBEBUILDER_ASSETS, the setup-envtest store, /usr/local/kubebuilder/bin, PATH),
then in Operon's cache ($XDG_CACHE_HOME/operon/k8s/<version>-<os>-<arch>). Builds what is missing
from Go modules into the cache. Prints where each binary comes from on stderr and the binaries'
directory on the last line of stdout.

Options:
  --version X.Y   Kubernetes minor to use: ${RELEASES.map((r) => `${r.minor} (${r.kubernetes})`).join(', ')}
                  (default: $${K8S_VERSION_ENV} when set, else ${RELEASES[0]!.minor}, the newest)
  --force         rebuild Operon's cache even if it is whole
`;

export async function controlplaneCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    version: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (sub !== 'install')
    throw new UsageError(`unknown subcommand "controlplane ${sub ?? ''}". Try: operon controlplane install`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const result = await installBinaries({
    ...(values.version !== undefined ? { version: values.version } : {}),
    ...(values.force ? { force: true } : {}),
    onProgress: printProgress,
  });
  for (const c of COMPONENTS) {
    const b = result.binaries[c];
    process.stderr.write(`${c.padEnd(24)} ${b.path}  (${b.source})\n`);
  }
  const dirs = new Set(COMPONENTS.map((c) => dirname(result.binaries[c].path)));
  // Like `setup-envtest use -p path`: the last line is the directory, for scripts.
  process.stdout.write(`${dirs.size === 1 ? [...dirs][0] : result.dir}\n`);
  return 0;
}
