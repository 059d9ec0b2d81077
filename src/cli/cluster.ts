/**
 * `operon cluster up | down | status | kubeconfig`: a persistent local development cluster with
 * etcd, kube-apiserver, kube-controller-manager (its full default controller set), kube-scheduler
 * and kwok fake nodes.
 */

import { clusterDir, clusterDown, clusterStatus, clusterUp } from '../testing/cluster.ts';
import { controllersFlag } from '../testing/control-plane.ts';
import { installBinaries } from '../testing/index.ts';
import { parse, printProgress, UsageError } from './usage.ts';

const HELP = `Usage: operon cluster <up|down|status|kubeconfig> [--dir DIR] [--version X.Y] [--nodes N] [--controllers LIST]

  up          start the cluster (building the binaries first if needed); does nothing if it runs
  down        stop it; its objects stay for the next \`up\`
  status      what runs, the API server's address and the Ready nodes (exit 3 when not running)
  kubeconfig  print the path of the admin kubeconfig:
                kubectl --kubeconfig "$(operon cluster kubeconfig)" get nodes

Options:
  --dir DIR       where the cluster keeps its state (default $XDG_STATE_HOME/operon/cluster)
  --version X.Y   Kubernetes minor, for \`up\` (default: $OPERON_K8S_VERSION, else the newest)
  --nodes N       number of kwok fake nodes, for \`up\` (default 3)
  --controllers LIST
                  kube-controller-manager's controllers, for \`up\`: all (default: its full
                  default set, so Jobs complete on the kwok nodes), minimal (what test planes
                  run), or a comma-separated list (job-controller,cronjob-controller,...)
`;

export async function clusterCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    dir: { type: 'string' },
    version: { type: 'string' },
    nodes: { type: 'string' },
    controllers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const options = {
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    ...(values.version !== undefined ? { version: values.version } : {}),
  };
  switch (sub) {
    case 'up': {
      let nodes: number | undefined;
      if (values.nodes !== undefined) {
        nodes = Number(values.nodes);
        if (!Number.isInteger(nodes) || nodes < 0 || nodes > 100) {
          throw new UsageError(`--nodes must be a whole number from 0 to 100, not "${values.nodes}"`);
        }
      }
      const controllers =
        values.controllers === undefined || values.controllers === 'all' || values.controllers === 'minimal'
          ? values.controllers
          : values.controllers.split(',').map((c) => c.trim());
      if (Array.isArray(controllers)) controllersFlag(controllers); // a bad list fails before anything starts
      await installBinaries({ ...options, onProgress: printProgress });
      const started = Date.now();
      const { plane, started: fresh } = await clusterUp({
        ...options,
        ...(nodes !== undefined ? { nodes } : {}),
        ...(controllers !== undefined ? { controllers } : {}),
      });
      await plane.stop();
      process.stderr.write(
        fresh
          ? `cluster started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
          : 'cluster already running\n',
      );
      return printStatus(options.dir);
    }
    case 'down': {
      const { stopped } = await clusterDown(options);
      process.stdout.write(
        stopped.length > 0
          ? `stopped ${stopped.join(', ')}; data kept in ${clusterDir(options)}\n`
          : 'cluster was not running\n',
      );
      return 0;
    }
    case 'status':
      return printStatus(options.dir);
    case 'kubeconfig': {
      const status = await clusterStatus(options);
      if (!status.exists) {
        process.stderr.write(`operon: no cluster in ${status.dir}. Start one with \`operon cluster up\`.\n`);
        return 1;
      }
      process.stdout.write(`${status.kubeconfig ?? `${status.dir}/admin.kubeconfig`}\n`);
      return 0;
    }
    default:
      throw new UsageError(
        `unknown subcommand "cluster ${sub ?? ''}". Try: operon cluster up | down | status | kubeconfig`,
      );
  }
}

async function printStatus(dir: string | undefined): Promise<number> {
  const status = await clusterStatus(dir !== undefined ? { dir } : {});
  if (!status.exists) {
    process.stdout.write(`no cluster in ${status.dir}; start one with \`operon cluster up\`\n`);
    return 3;
  }
  const lines = [`cluster:    ${status.running ? 'running' : 'stopped'} (${status.dir})`];
  if (status.server) lines.push(`server:     ${status.server}`);
  for (const c of status.components) {
    lines.push(`  ${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'stopped'}`);
  }
  if (status.running)
    lines.push(`nodes:      ${status.readyNodes.length} Ready (${status.readyNodes.join(', ')})`);
  lines.push(`kubeconfig: ${status.dir}/admin.kubeconfig`);
  if (status.running) lines.push(`try:        kubectl --kubeconfig "$(operon cluster kubeconfig)" get nodes`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return status.running ? 0 : 3;
}
