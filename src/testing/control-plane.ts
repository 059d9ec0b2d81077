/**
 * A real local Kubernetes control plane: `startControlPlane()` runs etcd and kube-apiserver (and,
 * on request, kube-controller-manager, kube-scheduler and kwok with fake nodes) on free loopback
 * ports and returns a handle that is an `AsyncDisposable`.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, OperonError } from '../errors.ts';
import { COMPONENTS, type Component, findBinaries, noBinariesError, parseComponent } from './binaries.ts';
import { guardDirectory, releaseDirectory } from './guardian.ts';
import { type Connection, connect } from './http.ts';
import { type Kubeconfig, kubeconfigFor, writeKubeconfig } from './kubeconfig.ts';
import { asObject, type KubernetesObject, loadManifests } from './manifests.ts';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type KeyPairPem,
  loadCertificateAuthority,
} from './pki.ts';
import { assertPortFree, freePort } from './ports.ts';
import { type ComponentProcess, logTail, startProcess } from './process.ts';

/** Components that may be added to the always-present etcd and kube-apiserver. */
export type OptionalComponent = 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export interface ControlPlaneOptions {
  /**
   * Extra components. `kube-controller-manager` runs the controllers in `controllers`; `kwok`
   * needs `kube-scheduler` to place Pods on its fake nodes.
   */
  components?: readonly OptionalComponent[];
  /**
   * The controllers kube-controller-manager runs (its `--controllers`): `'minimal'` (default) is
   * the garbage-collector, deployment, replicaset and namespace controllers, which start fast and
   * leave the cluster quiet; `'all'` is its full default set (Jobs, CronJobs, StatefulSets,
   * DaemonSets, EndpointSlices, ServiceAccounts, node lifecycle, ...), as `operon cluster` runs, so
   * Jobs complete on kwok nodes; or a list of names (`['job-controller', ...]`, `-name` to drop one
   * from `*`). Ignored without `kube-controller-manager`.
   */
  controllers?: 'minimal' | 'all' | readonly string[];
  /** Number of kwok fake nodes (default 3), when kwok runs. */
  nodes?: number;
  /** CRDs to install before returning: objects, or paths of YAML/JSON files or folders of them. */
  crds?: ReadonlyArray<object | string>;
  /** Kubernetes minor to look for (default: the newest Operon builds). */
  version?: string;
  /** Explicit binary paths; the rest are found as `findBinaries()` does. */
  binaries?: Partial<Record<Component, string>>;
  /** Ports to use instead of free ones. */
  ports?: { apiServer?: number; etcd?: number };
  /** Extra kube-apiserver flags (`--max-requests-inflight=2000`, ...); later flags win. */
  apiServerArgs?: readonly string[];
  /** Give up waiting for the components after this long (default 90 s). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
  /** Environment for binary lookup; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A kubeconfig written to disk, and the same as an object. */
export interface KubeconfigFile {
  path: string;
  config: Kubeconfig;
}

/** A namespace made for one test; disposing it deletes it. */
export interface TestNamespace extends AsyncDisposable {
  name: string;
}

export interface ControlPlane extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  /** Admin (`system:masters`) kubeconfig. */
  readonly kubeconfig: KubeconfigFile;
  /** The folder with certificates, kubeconfigs, logs and (for a temporary plane) etcd's data. */
  readonly dir: string;
  /** PEM of the CA that signs the serving and client certificates. */
  readonly caCert: string;
  /** Running components (pid, log file). Empty for a plane this process did not start. */
  readonly processes: ReadonlyMap<Component, ComponentProcess>;
  /** The components this plane runs. */
  readonly components: readonly Component[];
  /** Writes a kubeconfig for `user` in `groups`, signed by the plane's CA (for RBAC tests). */
  kubeconfigFor(user: string, groups?: readonly string[]): Promise<KubeconfigFile>;
  /** Creates or updates CRDs and waits until discovery serves every one. */
  installCRDs(crds: ReadonlyArray<object | string>): Promise<void>;
  /** A fresh namespace (`<prefix>-<random>`) for one test; dispose it to delete it. */
  createNamespace(prefix?: string): Promise<TestNamespace>;
  /** The last lines of each component's log, for a failing test's output. */
  logs(lines?: number): Promise<string>;
  /** An admin connection for the harness' own requests. */
  readonly connection: Connection;
  /**
   * Stops one component (SIGKILL by default, as a crash) and starts it again with the same flags,
   * waiting until it is healthy: for tests of what survives an API server or etcd restart.
   * Only for a plane this process started.
   */
  restart(component: Component, options?: { signal?: 'SIGKILL' | 'SIGTERM'; downMs?: number }): Promise<void>;
  /** Compacts etcd's history up to now, so a watch from an older resourceVersion gets 410 Gone. */
  compactEtcd(): Promise<{ revision: number }>;
  /** Stops the components (kwok, scheduler, controller-manager, apiserver, then etcd) and removes temp files. */
  stop(): Promise<void>;
}

/** The parts of a plane kept on disk, so a persistent cluster starts again with the same identity. */
export interface PlaneLayout {
  dir: string;
  ports: {
    apiServer: number;
    etcd: number;
    etcdPeer: number;
    scheduler: number;
    controllerManager: number;
    kwok: number;
  };
}

/** Components in the order they are stopped: the API server before etcd. */
export const STOP_ORDER: readonly Component[] = [
  'kwok',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-apiserver',
  'etcd',
];

/** What `<dir>/plane.json` records of a running plane, for `attachControlPlane()`. */
export interface PlaneDescriptor {
  server: string;
  ports: PlaneLayout['ports'];
  components: Component[];
  pids: Partial<Record<Component, number>>;
  persistent: boolean;
}

const PLANE_FILE = 'plane.json';

/**
 * The Service ClusterIP range of every plane: kind's default, a /16 (65,534 addresses). The API
 * server's own default is a /24, which runs out at about 250 Services.
 */
export const SERVICE_CIDR = '10.96.0.0/16';

/** The range of persistent clusters made before SERVICE_CIDR, whose stored Services and `kubernetes` ServiceCIDR use it. */
const LEGACY_SERVICE_CIDR = '10.0.0.0/24';
/** The extra ServiceCIDR object that gives such a cluster SERVICE_CIDR's addresses as well. */
const EXTRA_SERVICE_CIDR_NAME = 'operon-services';
const NETWORK_FILE = 'network.json';

/**
 * The `--service-cluster-ip-range` for a plane in `dir`. A persistent cluster keeps the range it
 * was created with: changing the flag would not change its stored `kubernetes` ServiceCIDR, and
 * the two must match. One made with the old /24 (etcd data but no network.json) keeps that range
 * and is extended with a second ServiceCIDR instead, which the API server allocates from too.
 */
async function serviceRange(dir: string, persistent: boolean): Promise<{ cidr: string; extend: boolean }> {
  if (!persistent) return { cidr: SERVICE_CIDR, extend: false };
  const file = join(dir, NETWORK_FILE);
  if (existsSync(file)) {
    const recorded = JSON.parse(await readFile(file, 'utf8')) as { serviceClusterIPRange?: string };
    const cidr = recorded.serviceClusterIPRange ?? SERVICE_CIDR;
    return { cidr, extend: cidr !== SERVICE_CIDR };
  }
  const cidr = existsSync(join(dir, 'etcd')) ? LEGACY_SERVICE_CIDR : SERVICE_CIDR;
  await writeFile(file, `${JSON.stringify({ serviceClusterIPRange: cidr }, null, 2)}\n`);
  return { cidr, extend: cidr !== SERVICE_CIDR };
}

/** Adds SERVICE_CIDR as a second ServiceCIDR (networking.k8s.io/v1) to a cluster made with a smaller range. */
async function extendServiceRange(conn: Connection): Promise<void> {
  const res = await conn.request('POST', '/apis/networking.k8s.io/v1/servicecidrs', {
    body: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'ServiceCIDR',
      metadata: { name: EXTRA_SERVICE_CIDR_NAME },
      spec: { cidrs: [SERVICE_CIDR] },
    },
  });
  if (res.status !== 201 && res.status !== 409) {
    throw new OperonError(
      ErrorCode.ComponentFailed,
      `Could not add ServiceCIDR ${EXTRA_SERVICE_CIDR_NAME} (${SERVICE_CIDR}) to this cluster (HTTP ${res.status}): ${res.text}`,
    );
  }
}

/** Starts a temporary control plane. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  return launch(options, { persistent: false });
}

interface LaunchMode {
  persistent: boolean;
  /** For a persistent plane: its folder, reused across runs. */
  dir?: string;
}

/** The minimal controller set of a test plane. */
export const MINIMAL_CONTROLLERS = [
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'namespace-controller',
] as const;

/** kube-controller-manager's `--controllers` value for a `controllers` option. */
export function controllersFlag(controllers: ControlPlaneOptions['controllers']): string {
  if (controllers === undefined || controllers === 'minimal') return MINIMAL_CONTROLLERS.join(',');
  if (controllers === 'all') return '*';
  const names = Array.isArray(controllers) ? controllers : [];
  const bad = names.filter((n) => typeof n !== 'string' || !/^-?([a-z0-9-]+|\*)$/.test(n));
  if (names.length === 0 || bad.length > 0 || !Array.isArray(controllers)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `controllers must be 'minimal', 'all' or a non-empty list of kube-controller-manager controller names (like "job-controller", "-name" to drop one from "*"), not ${JSON.stringify(controllers)}.`,
    );
  }
  return names.join(',');
}

/** @internal Starts a plane; used by `startControlPlane` and by `operon cluster`. */
export async function launch(options: ControlPlaneOptions, mode: LaunchMode): Promise<ControlPlane> {
  options.signal?.throwIfAborted();
  const controllers = controllersFlag(options.controllers);
  const components = new Set<Component>(['etcd', 'kube-apiserver']);
  for (const c of options.components ?? []) {
    const parsed = parseComponent(c);
    if (parsed === 'etcd' || parsed === 'kube-apiserver') continue;
    components.add(parsed);
  }
  if (components.has('kwok') && !components.has('kube-scheduler')) components.add('kube-scheduler');

  const binaries = await resolveBinaries([...components], options);
  const dir = mode.dir ?? (await mkdtemp(join(tmpdir(), 'operon-cp-')));
  if (!mode.persistent) guardDirectory(dir);
  const processes = new Map<Component, ComponentProcess>();
  let connection: Connection | undefined;

  const cleanup = async () => {
    for (const name of STOP_ORDER) await processes.get(name)?.stop();
    connection?.close();
    if (!mode.persistent) {
      await rm(dir, { recursive: true, force: true });
      releaseDirectory(dir);
    }
  };

  try {
    await mkdir(join(dir, 'logs'), { recursive: true });
    const layout = await preparePorts(dir, options, mode.persistent);
    const pki = await preparePki(dir);
    // Before etcd starts: its data folder tells an old cluster from a new one.
    const services = await serviceRange(dir, mode.persistent);
    const server = `https://127.0.0.1:${layout.ports.apiServer}`;
    const admin = await pki.ca.issue({
      commonName: 'operon-admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const kubeconfig = await writeUserKubeconfig(dir, 'admin', server, pki.ca.cert, admin);
    connection = connect({ server, ca: pki.ca.cert, cert: admin.cert, key: admin.key });
    const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
    const launched = new Map<Component, { args: string[]; healthy: () => Promise<boolean> }>();
    const start = (name: Component, args: string[]) => {
      const proc = startProcess({
        name,
        command: binaries[name]!,
        args,
        logFile: join(dir, 'logs', `${name}.log`),
        guard: !mode.persistent,
      });
      processes.set(name, proc);
      return proc;
    };

    const startAndWait = async (
      name: Component,
      args: string[],
      until: number,
      healthy: () => Promise<boolean>,
    ): Promise<void> => {
      const proc = start(name, args);
      launched.set(name, { args, healthy });
      await waitFor(name, proc, until, options.signal, healthy);
    };

    await startAndWait('etcd', etcdArgs(dir, layout, mode.persistent), deadline, async () => {
      const res = await fetch(`http://127.0.0.1:${layout.ports.etcd}/health`, {
        signal: AbortSignal.timeout(2000),
      });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    const conn = connection;
    await startAndWait(
      'kube-apiserver',
      [...apiServerArgs(dir, layout, services.cidr), ...(options.apiServerArgs ?? [])],
      deadline,
      async () => {
        const res = await conn.request('GET', '/readyz', { timeoutMs: 2000 });
        if (res.status !== 200) return false;
        return (await conn.request('GET', '/api/v1/namespaces/default', { timeoutMs: 2000 })).status === 200;
      },
    );
    if (services.extend) await extendServiceRange(conn);

    const adminKubeconfig = kubeconfig.path;
    if (components.has('kube-controller-manager')) {
      await startAndWait(
        'kube-controller-manager',
        [
          `--kubeconfig=${adminKubeconfig}`,
          `--controllers=${controllers}`,
          // What the full set needs to do its work: the ServiceAccount token and CSR signing keys.
          `--service-account-private-key-file=${join(dir, 'pki', 'sa.key')}`,
          `--root-ca-file=${join(dir, 'pki', 'ca.crt')}`,
          `--cluster-signing-cert-file=${join(dir, 'pki', 'ca.crt')}`,
          `--cluster-signing-key-file=${join(dir, 'pki', 'ca.key')}`,
          '--leader-elect=false',
          `--service-cluster-ip-range=${services.cidr}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${layout.ports.controllerManager}`,
          `--cert-dir=${join(dir, 'kube-controller-manager')}`,
        ],
        deadline,
        () => componentHealthy(layout.ports.controllerManager),
      );
    }
    if (components.has('kube-scheduler')) {
      await startAndWait(
        'kube-scheduler',
        [
          `--kubeconfig=${adminKubeconfig}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${layout.ports.scheduler}`,
          `--cert-dir=${join(dir, 'kube-scheduler')}`,
        ],
        deadline,
        () => componentHealthy(layout.ports.scheduler),
      );
    }
    if (components.has('kwok')) {
      const stages = join(binaries.kwok!, '..', 'kwok-stages.yaml');
      if (!existsSync(stages)) {
        throw new OperonError(
          ErrorCode.BinariesNotFound,
          `kwok's stage definitions (${stages}) are missing beside its binary. Run \`operon controlplane install\` to build kwok with them, or set TEST_ASSET_KWOK to an Operon-built kwok.`,
        );
      }
      await startAndWait(
        'kwok',
        [
          `--kubeconfig=${adminKubeconfig}`,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
          `--server-address=127.0.0.1:${layout.ports.kwok}`,
          '--cidr=10.244.0.0/16',
          '--node-ip=10.243.0.1',
          // Renew each fake node's Lease, so a node-lifecycle controller (the full set) sees the
          // nodes alive and does not taint them and evict their Pods.
          '--node-lease-duration-seconds=40',
          `--config=${stages}`,
        ],
        deadline,
        async () => {
          const res = await fetch(`http://127.0.0.1:${layout.ports.kwok}/healthz`, {
            signal: AbortSignal.timeout(2000),
          });
          return res.ok;
        },
      );
      await ensureNodes(connection, options.nodes ?? 3);
    }

    const descriptor: PlaneDescriptor = {
      server,
      ports: layout.ports,
      components: [...processes.keys()],
      pids: Object.fromEntries([...processes].map(([n, p]) => [n, p.pid])),
      persistent: mode.persistent,
    };
    await writeFile(join(dir, PLANE_FILE), `${JSON.stringify(descriptor, null, 2)}\n`);
    const descriptorFile = join(dir, PLANE_FILE);
    const restart: ControlPlane['restart'] = async (name, o = {}) => {
      const proc = processes.get(name);
      const spec = launched.get(name);
      if (!proc || !spec) {
        throw new OperonError(
          ErrorCode.UnknownComponent,
          `${name} does not run in this plane (it runs ${[...processes.keys()].join(', ')}).`,
        );
      }
      if (o.signal === 'SIGTERM') await proc.stop();
      else {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {}
        await proc.exited;
      }
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      await startAndWait(name, spec.args, Date.now() + (options.startTimeoutMs ?? 90_000), spec.healthy);
      descriptor.pids[name] = processes.get(name)!.pid;
      await writeFile(descriptorFile, `${JSON.stringify(descriptor, null, 2)}\n`);
    };
    const plane = handle({
      dir,
      server,
      kubeconfig,
      ca: pki.ca,
      connection,
      processes,
      etcdPort: layout.ports.etcd,
      restart,
      stop: cleanup,
    });
    if (options.crds?.length) await plane.installCRDs(options.crds);
    return plane;
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

async function resolveBinaries(
  components: Component[],
  options: ControlPlaneOptions,
): Promise<Partial<Record<Component, string>>> {
  const wanted = components.filter((c) => !options.binaries?.[c]);
  const found = await findBinaries({
    components: wanted,
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  if (found.missing.length > 0) {
    const goOnPath = (options.env?.PATH ?? process.env.PATH ?? '')
      .split(':')
      .some((d) => d && existsSync(join(d, 'go')));
    if (!goOnPath) throw noBinariesError(found.missing, found.release);
    throw new OperonError(
      ErrorCode.BinariesNotFound,
      `The control-plane binaries ${found.missing.join(', ')} are not installed. Run \`npx operon controlplane install --version ${found.release.minor}\` once (it builds them from Go modules into ${found.cacheDir}), or set KUBEBUILDER_ASSETS to a folder that has them.`,
    );
  }
  const out: Partial<Record<Component, string>> = { ...options.binaries };
  for (const c of wanted) out[c] = found.found[c]!.path;
  return out;
}

async function preparePorts(
  dir: string,
  options: ControlPlaneOptions,
  persistent: boolean,
): Promise<PlaneLayout> {
  const file = join(dir, 'ports.json');
  if (persistent && existsSync(file)) {
    const ports = JSON.parse(await readFile(file, 'utf8')) as PlaneLayout['ports'];
    for (const [name, port] of Object.entries(ports))
      await assertPortFree(port, `the cluster's ${name} port`);
    return { dir, ports };
  }
  if (options.ports?.apiServer !== undefined) await assertPortFree(options.ports.apiServer, 'kube-apiserver');
  if (options.ports?.etcd !== undefined) await assertPortFree(options.ports.etcd, 'etcd');
  const ports: PlaneLayout['ports'] = {
    apiServer: options.ports?.apiServer ?? (await freePort()),
    etcd: options.ports?.etcd ?? (await freePort()),
    etcdPeer: await freePort(),
    scheduler: await freePort(),
    controllerManager: await freePort(),
    kwok: await freePort(),
  };
  if (persistent) await writeFile(file, `${JSON.stringify(ports, null, 2)}\n`);
  return { dir, ports };
}

interface Pki {
  ca: CertificateAuthority;
}

/** Makes (or, in a persistent folder, reloads) the CA, serving certificate and service-account keys. */
async function preparePki(dir: string): Promise<Pki> {
  const certs = join(dir, 'pki');
  await mkdir(certs, { recursive: true, mode: 0o700 });
  const caPath = join(certs, 'ca.crt');
  let ca: Pki['ca'];
  if (existsSync(caPath)) {
    ca = loadCertificateAuthority({
      cert: await readFile(caPath, 'utf8'),
      key: await readFile(join(certs, 'ca.key'), 'utf8'),
    });
  } else {
    ca = await createCertificateAuthority('operon-local-ca');
    await writeFile(join(certs, 'ca.key'), ca.key, { mode: 0o600 });
    await writeFile(caPath, ca.cert);
  }
  const serving = await ca.issue({
    commonName: 'kube-apiserver',
    hosts: ['127.0.0.1', 'localhost', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    usage: 'server',
  });
  await writeFile(join(certs, 'apiserver.crt'), serving.cert);
  await writeFile(join(certs, 'apiserver.key'), serving.key, { mode: 0o600 });
  if (!existsSync(join(certs, 'sa.key'))) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await writeFile(join(certs, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    await writeFile(join(certs, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { ca };
}

async function writeUserKubeconfig(
  dir: string,
  user: string,
  server: string,
  caCert: string,
  pair: KeyPairPem,
): Promise<KubeconfigFile> {
  const config = kubeconfigFor({
    name: 'operon',
    server,
    caCert,
    user,
    clientCert: pair.cert,
    clientKey: pair.key,
  });
  const safe = user.replace(/[^A-Za-z0-9_.-]/g, '_');
  const path = join(dir, safe === 'admin' ? 'admin.kubeconfig' : `user-${safe}.kubeconfig`);
  await writeKubeconfig(path, config);
  return { path, config };
}

function etcdArgs(dir: string, layout: PlaneLayout, persistent: boolean): string[] {
  const client = `http://127.0.0.1:${layout.ports.etcd}`;
  const peer = `http://127.0.0.1:${layout.ports.etcdPeer}`;
  return [
    '--name=operon',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=operon=${peer}`,
    '--log-level=warn',
    // A temporary plane's data need not survive a power cut; skipping fsync makes it much faster.
    ...(persistent ? [] : ['--unsafe-no-fsync=true']),
  ];
}

function apiServerArgs(dir: string, layout: PlaneLayout, serviceCidr: string): string[] {
  const pki = join(dir, 'pki');
  const port = layout.ports.apiServer;
  return [
    `--etcd-servers=http://127.0.0.1:${layout.ports.etcd}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--cert-dir=${pki}`,
    `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
    `--client-ca-file=${join(pki, 'ca.crt')}`,
    '--authorization-mode=RBAC',
    `--service-cluster-ip-range=${serviceCidr}`,
    '--allow-privileged=true',
    // No ServiceAccount admission (no token controller runs); no not-ready taint on new nodes
    // (no node-lifecycle controller runs to remove it, and kwok's nodes are Ready at once).
    '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
    // As OpenShift and hardened clusters: setting blockOwnerDeletion needs update on the owner's
    // finalizers, so RBAC tests catch a generated Role without it.
    '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
    `--service-account-issuer=https://127.0.0.1:${port}/`,
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--endpoint-reconciler-type=none',
  ];
}

/** Polls `check` every 100 ms until it answers true; fails fast, with the log, if the process exits. */
async function waitFor(
  name: Component,
  proc: ComponentProcess,
  deadline: number,
  signal: AbortSignal | undefined,
  check: () => Promise<boolean>,
): Promise<void> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  let lastError = '';
  for (;;) {
    signal?.throwIfAborted();
    if (exited || !proc.running()) {
      throw new OperonError(
        ErrorCode.ComponentFailed,
        `${name} exited during start-up (exit ${await proc.exited}). The end of its log (${proc.logFile}):\n${await logTail(proc.logFile)}`,
        { retryable: true },
      );
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new OperonError(
        ErrorCode.Timeout,
        `${name} did not become healthy in time${lastError ? ` (last error: ${lastError})` : ''}. The end of its log (${proc.logFile}):\n${await logTail(proc.logFile)}`,
        { retryable: true },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function componentHealthy(port: number): Promise<boolean> {
  const { request } = await import('node:https');
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The annotation by which kwok recognises the fake nodes it manages. */
export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

async function ensureNodes(conn: Connection, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    const existing = await conn.request<{ spec?: { taints?: Array<{ key: string }> } }>(
      'GET',
      `/api/v1/nodes/${name}`,
    );
    if (existing.status === 200) {
      // A node made before TaintNodesByCondition was off still carries the not-ready taint.
      const taints = existing.body.spec?.taints ?? [];
      const kept = taints.filter((t) => t.key !== 'node.kubernetes.io/not-ready');
      if (kept.length !== taints.length) {
        await conn.call(
          'PATCH',
          `/api/v1/nodes/${name}`,
          { spec: { taints: kept } },
          'application/merge-patch+json',
        );
      }
      continue;
    }
    const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };
    await conn.call('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          type: 'kwok',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/agent': '',
        },
      },
      spec: {},
      status: {
        allocatable: capacity,
        capacity,
        nodeInfo: {
          architecture: 'amd64',
          operatingSystem: 'linux',
          kubeletVersion: 'fake',
          kubeProxyVersion: 'fake',
          bootID: '',
          containerRuntimeVersion: '',
          kernelVersion: '',
          machineID: '',
          osImage: '',
          systemUUID: '',
        },
        phase: 'Running',
      },
    });
  }
  // kwok's node-initialize stage marks them Ready; wait for that so Pods can be scheduled at once.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await conn.call<{
      items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
    }>('GET', '/api/v1/nodes?labelSelector=type%3Dkwok');
    const ready = list.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length >= count) return;
    if (Date.now() > deadline) {
      throw new OperonError(
        ErrorCode.Timeout,
        `kwok did not mark its ${count} nodes Ready within 30 s; see its log.`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface CrdObject extends KubernetesObject {
  spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served?: boolean }> };
}

async function installCRDs(conn: Connection, input: ReadonlyArray<object | string>): Promise<void> {
  const paths = input.filter((c): c is string => typeof c === 'string');
  const objects = [
    ...input.filter((c) => typeof c !== 'string').map((c, i) => asObject(c, `crds[${i}]`)),
    ...(await loadManifests(paths)),
  ];
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of objects) {
    if (crd.kind !== 'CustomResourceDefinition' || !crd.apiVersion.startsWith('apiextensions.k8s.io/')) {
      throw new OperonError(
        ErrorCode.InvalidManifest,
        `${crd.kind} ${crd.metadata.name ?? ''} is not a CustomResourceDefinition (apiextensions.k8s.io/v1); pass only CRDs to installCRDs.`,
      );
    }
    const name = crd.metadata.name!;
    const created = await conn.request('POST', base, { body: crd });
    if (created.status === 409) {
      // Update in place: take the current resourceVersion, keep our spec.
      for (let attempt = 0; ; attempt++) {
        const current = await conn.call<KubernetesObject>('GET', `${base}/${name}`);
        const res = await conn.request('PUT', `${base}/${name}`, {
          body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } },
        });
        if (res.status === 200) break;
        if (res.status !== 409 || attempt > 5) throw crdError(name, res.status, res.text);
      }
    } else if (created.status !== 201) {
      throw crdError(name, created.status, created.text);
    }
  }
  // Wait until every CRD is Established and its plural is served by discovery.
  const deadline = Date.now() + 30_000;
  for (const crd of objects as CrdObject[]) {
    for (const version of crd.spec.versions.filter((v) => v.served !== false)) {
      const path = `/apis/${crd.spec.group}/${version.name}`;
      for (;;) {
        const res = await conn.request<{ resources?: Array<{ name: string }> }>('GET', path);
        if (res.status === 200 && res.body?.resources?.some((r) => r.name === crd.spec.names.plural)) break;
        if (Date.now() > deadline) {
          throw new OperonError(
            ErrorCode.Timeout,
            `CRD ${crd.metadata.name} was created but ${path} does not serve ${crd.spec.names.plural} after 30 s. Check its status conditions (\`kubectl get crd ${crd.metadata.name} -o yaml\`).`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

function crdError(name: string, status: number, text: string): OperonError {
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {}
  return new OperonError(
    ErrorCode.ApiError,
    `The API server rejected CRD ${name} (HTTP ${status}): ${message}`,
  );
}

async function createNamespace(conn: Connection, prefix = 'test'): Promise<TestNamespace> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await conn.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return {
    name,
    async [Symbol.asyncDispose]() {
      // Without a namespace controller the namespace stays Terminating; that is harmless.
      const res = await conn.request('DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
      if (res && res.status !== 200 && res.status !== 202 && res.status !== 404) {
        throw new OperonError(ErrorCode.ApiError, `Could not delete namespace ${name}: HTTP ${res.status}`);
      }
    },
  };
}

/** The last lines of every component log in a plane's folder. */
export async function componentLogs(dir: string, lines = 40): Promise<string> {
  const parts: string[] = [];
  for (const name of COMPONENTS) {
    const file = join(dir, 'logs', `${name}.log`);
    if (existsSync(file)) parts.push(`==> ${name} (${file}) <==\n${await logTail(file, lines)}`);
  }
  return parts.join('\n\n');
}

function handle(parts: {
  dir: string;
  server: string;
  kubeconfig: KubeconfigFile;
  ca: Pki['ca'] | undefined;
  connection: Connection;
  processes: Map<Component, ComponentProcess>;
  components?: readonly Component[];
  /** etcd's client port, when Operon runs etcd. */
  etcdPort?: number;
  restart?: ControlPlane['restart'];
  stop: () => Promise<void>;
}): ControlPlane {
  const { dir, server, ca, connection: conn } = parts;
  return {
    server,
    kubeconfig: parts.kubeconfig,
    dir,
    caCert: ca?.cert ?? '',
    processes: parts.processes,
    components: parts.components ?? [...parts.processes.keys()],
    connection: conn,
    async kubeconfigFor(user, groups = []) {
      if (!ca) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Cannot mint a kubeconfig for ${user}: this is an existing cluster whose CA key Operon does not hold. Create a ServiceAccount and use impersonation instead, or run the test on a local plane.`,
        );
      }
      const pair = await ca.issue({ commonName: user, organizations: groups, usage: 'client' });
      return writeUserKubeconfig(dir, user, server, ca.cert, pair);
    },
    installCRDs: (crds) => installCRDs(conn, crds),
    createNamespace: (prefix) => createNamespace(conn, prefix),
    logs: (lines) => componentLogs(dir, lines),
    restart:
      parts.restart ??
      (async (name) => {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Cannot restart ${name}: only the process that started this plane can restart its components.`,
        );
      }),
    async compactEtcd() {
      if (parts.etcdPort === undefined) {
        throw new OperonError(ErrorCode.InvalidArgument, 'This plane has no etcd run by Operon to compact.');
      }
      return compactEtcd(parts.etcdPort);
    },
    stop: parts.stop,
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
}

/**
 * Connects to a plane that another process started in `dir` (a shared test plane, or `operon
 * cluster`). Stopping the returned handle only closes its connection; the plane keeps running.
 */
export async function attachControlPlane(dir: string): Promise<ControlPlane> {
  let descriptor: PlaneDescriptor;
  try {
    descriptor = JSON.parse(await readFile(join(dir, PLANE_FILE), 'utf8')) as PlaneDescriptor;
  } catch (cause) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${dir} does not hold a running Operon control plane (no readable ${PLANE_FILE}).`,
      { cause },
    );
  }
  const ca = loadCertificateAuthority({
    cert: await readFile(join(dir, 'pki', 'ca.crt'), 'utf8'),
    key: await readFile(join(dir, 'pki', 'ca.key'), 'utf8'),
  });
  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  const config = parseYaml(await readFile(kubeconfigPath, 'utf8')) as Kubeconfig;
  const user = config.users[0]!.user;
  const connection = connect({
    server: descriptor.server,
    ca: ca.cert,
    cert: Buffer.from(user['client-certificate-data'], 'base64').toString(),
    key: Buffer.from(user['client-key-data'], 'base64').toString(),
  });
  return handle({
    dir,
    server: descriptor.server,
    kubeconfig: { path: kubeconfigPath, config },
    ca,
    connection,
    processes: new Map(),
    components: descriptor.components,
    etcdPort: descriptor.ports.etcd,
    stop: async () => connection.close(),
  });
}

/** Whether the environment asks for an existing cluster (`OPERON_USE_EXISTING_CLUSTER` or envtest's `USE_EXISTING_CLUSTER`). */
export function useExistingCluster(env: NodeJS.ProcessEnv = process.env): boolean {
  return [env.OPERON_USE_EXISTING_CLUSTER, env.USE_EXISTING_CLUSTER].some((v) => v === 'true' || v === '1');
}

/**
 * A handle on an existing cluster, from the current context of `$KUBECONFIG` (or `~/.kube/config`).
 * Supports client certificates and bearer tokens, inline or as files, and impersonation (`as`,
 * `as-groups`, `as-uid`, `as-user-extra`). Stopping it only closes
 * the connection; `kubeconfigFor()` is not available.
 */
export async function attachKubeconfig(env: NodeJS.ProcessEnv = process.env): Promise<ControlPlane> {
  const path =
    (env.KUBECONFIG ?? '').split(':').find(Boolean) ?? join(env.HOME ?? tmpdir(), '.kube', 'config');
  const fail = (what: string, cause?: unknown) =>
    new OperonError(ErrorCode.InvalidArgument, `Cannot use the existing cluster from ${path}: ${what}.`, {
      cause,
    });
  let config: {
    'current-context'?: string;
    contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
    clusters?: Array<{ name: string; cluster: Record<string, string | boolean> }>;
    users?: Array<{ name: string; user: Record<string, unknown> }>;
  };
  try {
    config = parseYaml(await readFile(path, 'utf8')) as typeof config;
  } catch (cause) {
    throw fail('the file cannot be read or parsed', cause);
  }
  const current = config['current-context'];
  const context = config.contexts?.find((c) => c.name === current)?.context;
  if (!context) throw fail(`its current-context "${current ?? ''}" is not among its contexts`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = (config.users?.find((u) => u.name === context.user)?.user ?? {}) as Record<string, string>;
  if (!cluster || typeof cluster.server !== 'string')
    throw fail(`cluster "${context.cluster}" has no server`);
  const read = async (data: unknown, file: unknown) =>
    typeof data === 'string'
      ? Buffer.from(data, 'base64').toString()
      : typeof file === 'string'
        ? readFile(file, 'utf8')
        : undefined;
  const ca = await read(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = await read(user['client-certificate-data'], user['client-certificate']);
  const key = await read(user['client-key-data'], user['client-key']);
  const token = user.token ?? (user.tokenFile ? (await readFile(user.tokenFile, 'utf8')).trim() : undefined);
  if (!token && !(cert && key)) {
    throw fail(
      `user "${context.user}" has neither a token nor a client certificate (exec and auth-provider plugins are not supported by the test harness)`,
    );
  }
  // Impersonation as kubectl reads it, so a kubeconfig meant to act as a ServiceAccount does here too.
  const u = user as Record<string, unknown>;
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const extra = Object.fromEntries(
    Object.entries((u['as-user-extra'] ?? {}) as Record<string, unknown>).map(([k, v]) => [k, strings(v)]),
  );
  if (
    typeof u.as !== 'string' &&
    (strings(u['as-groups']).length || u['as-uid'] || Object.keys(extra).length)
  ) {
    throw fail(`user "${context.user}" sets as-groups, as-uid or as-user-extra without "as"`);
  }
  const impersonate =
    typeof u.as === 'string' && u.as
      ? {
          user: u.as,
          ...(strings(u['as-groups']).length ? { groups: strings(u['as-groups']) } : {}),
          ...(typeof u['as-uid'] === 'string' && u['as-uid'] ? { uid: u['as-uid'] } : {}),
          ...(Object.keys(extra).length ? { extra } : {}),
        }
      : undefined;
  const connection = connect({
    server: cluster.server,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(token ? { token } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecure: true } : {}),
    ...(impersonate ? { impersonate } : {}),
  });
  const ready = await connection.request('GET', '/readyz', { timeoutMs: 10_000 }).catch((cause: unknown) => {
    connection.close();
    throw fail(`${cluster.server} does not answer`, cause);
  });
  if (ready.status !== 200 && ready.status !== 401 && ready.status !== 403) {
    connection.close();
    throw fail(`${cluster.server}/readyz answered HTTP ${ready.status}`);
  }
  return handle({
    dir: dirname(path),
    server: String(cluster.server),
    kubeconfig: { path, config: config as unknown as Kubeconfig },
    ca: undefined,
    connection,
    processes: new Map(),
    components: [],
    stop: async () => connection.close(),
  });
}

/** Compacts etcd at its current revision through its HTTP gateway. */
async function compactEtcd(port: number): Promise<{ revision: number }> {
  const base = `http://127.0.0.1:${port}/v3`;
  const range = await fetch(`${base}/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from('/').toString('base64') }),
    signal: AbortSignal.timeout(10_000),
  });
  const header = ((await range.json()) as { header?: { revision?: string } }).header;
  const revision = Number(header?.revision);
  if (!range.ok || !Number.isFinite(revision)) {
    throw new OperonError(
      ErrorCode.ComponentFailed,
      `etcd did not report its revision (HTTP ${range.status}).`,
    );
  }
  const res = await fetch(`${base}/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: String(revision), physical: true }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) {
    throw new OperonError(
      ErrorCode.ComponentFailed,
      `etcd refused to compact at ${revision}: ${await res.text()}`,
    );
  }
  return { revision };
}
