/**
 * A persistent local development cluster (`operon cluster`): the same components as a test plane,
 * started as daemons whose state (etcd data, certificates, ports) survives `down` and `up`.
 */

import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Component, resolveRelease } from './binaries.ts';
import {
  attachControlPlane,
  type ControlPlane,
  type ControlPlaneOptions,
  launch,
  type PlaneDescriptor,
  STOP_ORDER,
} from './control-plane.ts';
import { pidExists } from './process.ts';

export interface ClusterOptions {
  /** The cluster's folder; default `$XDG_STATE_HOME/operon/cluster` (`~/.local/state/operon/cluster`). */
  dir?: string;
  version?: string;
  nodes?: number;
  /** kube-controller-manager's controllers (see `ControlPlaneOptions.controllers`); default `'all'`. */
  controllers?: ControlPlaneOptions['controllers'];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The file in a cluster's folder that names the Kubernetes minor it was created with. */
const VERSION_FILE = 'kubernetes-version';

export function clusterDir(options: ClusterOptions = {}): string {
  if (options.dir) return options.dir;
  const env = options.env ?? process.env;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'operon', 'cluster');
}

export interface ClusterStatus {
  dir: string;
  /** Whether the cluster was ever created here. */
  exists: boolean;
  /** Every component running and the API server ready. */
  running: boolean;
  server?: string;
  kubeconfig?: string;
  components: Array<{ name: Component; pid?: number; running: boolean }>;
  /** Names of Ready nodes, when the API server answers. */
  readyNodes: string[];
}

async function readDescriptor(dir: string): Promise<PlaneDescriptor | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'plane.json'), 'utf8')) as PlaneDescriptor;
  } catch {
    return undefined;
  }
}

/** What runs, and whether the API server is ready. */
export async function clusterStatus(options: ClusterOptions = {}): Promise<ClusterStatus> {
  const dir = clusterDir(options);
  const status: ClusterStatus = {
    dir,
    exists: existsSync(join(dir, 'pki', 'ca.crt')),
    running: false,
    components: [],
    readyNodes: [],
  };
  const descriptor = await readDescriptor(dir);
  if (!descriptor) return status;
  status.server = descriptor.server;
  status.kubeconfig = join(dir, 'admin.kubeconfig');
  status.components = descriptor.components.map((name) => {
    const pid = descriptor.pids[name];
    return { name, ...(pid !== undefined ? { pid } : {}), running: pid !== undefined && pidExists(pid) };
  });
  if (status.components.every((c) => c.running)) {
    const plane = await attachControlPlane(dir);
    try {
      const ready = await plane.connection.request('GET', '/readyz', { timeoutMs: 3000 });
      status.running = ready.status === 200;
      const nodes = await plane.connection.request<{
        items?: Array<{
          metadata: { name: string };
          status?: { conditions?: Array<{ type: string; status: string }> };
        }>;
      }>('GET', '/api/v1/nodes', { timeoutMs: 3000 });
      status.readyNodes = (nodes.body?.items ?? [])
        .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((n) => n.metadata.name);
    } catch {
      status.running = false;
    } finally {
      await plane.stop();
    }
  }
  return status;
}

/**
 * Starts the cluster if it is not running (idempotent). Returns a handle; stopping the handle
 * leaves the cluster running.
 */
export async function clusterUp(
  options: ClusterOptions = {},
): Promise<{ plane: ControlPlane; started: boolean }> {
  const dir = clusterDir(options);
  // A cluster keeps the Kubernetes minor it was created with: its etcd data and objects are that
  // version's, and starting another (an older etcd on newer data) is a silent downgrade.
  const wanted = resolveRelease(options.version, options.env ?? process.env);
  const created = await readFile(join(dir, VERSION_FILE), 'utf8').then(
    (v) => v.trim(),
    () => undefined,
  );
  if (created !== undefined && created !== wanted.minor) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `The cluster at ${dir} was created with Kubernetes ${created}, not ${wanted.minor}. ` +
        `Start it with \`--version ${created}\` (or OPERON_K8S_VERSION=${created}), or run \`operon cluster down\`, ` +
        `delete ${dir} and start a new ${wanted.minor} cluster.`,
    );
  }
  const status = await clusterStatus(options);
  if (status.running) return { plane: await attachControlPlane(dir), started: false };
  // Partly running (a component crashed, or the machine rebooted): stop the rest, start afresh.
  await stopComponents(dir);
  const plane = await launch(
    {
      components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
      // A development cluster behaves like a real one: Jobs complete, CronJobs fire, StatefulSets roll.
      controllers: options.controllers ?? 'all',
      ...(options.version !== undefined ? { version: options.version } : {}),
      ...(options.nodes !== undefined ? { nodes: options.nodes } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { persistent: true, dir },
  );
  if (created === undefined) await writeFile(join(dir, VERSION_FILE), `${wanted.minor}\n`);
  // The daemons belong to the cluster now, not to this handle.
  await plane.connection.close();
  return { plane: await attachControlPlane(dir), started: true };
}

/** Stops every component; the cluster's data stays for the next `up`. */
export async function clusterDown(options: ClusterOptions = {}): Promise<{ stopped: Component[] }> {
  const dir = clusterDir(options);
  if (!existsSync(dir)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `No cluster at ${dir}. Start one with \`operon cluster up\`.`,
    );
  }
  return { stopped: await stopComponents(dir) };
}

async function stopComponents(dir: string): Promise<Component[]> {
  const descriptor = await readDescriptor(dir);
  if (!descriptor) return [];
  const stopped: Component[] = [];
  for (const name of STOP_ORDER) {
    const pid = descriptor.pids[name];
    if (pid === undefined || !pidExists(pid)) continue;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (pidExists(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (pidExists(pid)) signalGroup(pid, 'SIGKILL');
    while (pidExists(pid)) await new Promise((r) => setTimeout(r, 50));
    stopped.push(name);
  }
  await rm(join(dir, 'plane.json'), { force: true });
  return stopped;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}
