/**
 * The Kubernetes releases Operon can build from Go modules, each with the etcd and kwok it pairs with.
 */

export interface ReleasePin {
  /** Kubernetes minor, the name users pass to `--version`. */
  minor: string;
  /** Exact k8s.io/kubernetes version built. */
  kubernetes: string;
  /** Exact go.etcd.io/etcd/server/v3 version built. */
  etcd: string;
  /** Exact sigs.k8s.io/kwok version built. */
  kwok: string;
  /** Wrapper Go modules under `controlplane/` of this package. */
  modules: { kubernetes: string; etcd: string; kwok: string };
}

/** Newest first. Add a release by adding its wrapper modules under `controlplane/` and a line here. */
export const RELEASES: readonly ReleasePin[] = [
  {
    minor: '1.37',
    kubernetes: '1.37.2',
    etcd: '3.7.3',
    kwok: '0.8.0',
    modules: { kubernetes: 'kubernetes-1.37', etcd: 'etcd-3.7', kwok: 'kwok' },
  },
  {
    minor: '1.36',
    kubernetes: '1.36.3',
    etcd: '3.6.16',
    kwok: '0.8.0',
    modules: { kubernetes: 'kubernetes-1.36', etcd: 'etcd-3.6', kwok: 'kwok' },
  },
  {
    minor: '1.35',
    kubernetes: '1.35.4',
    etcd: '3.6.16',
    kwok: '0.8.0',
    modules: { kubernetes: 'kubernetes-1.35', etcd: 'etcd-3.6', kwok: 'kwok' },
  },
];

/** The environment variable that chooses the Kubernetes version when no `version` option or `--version` flag does. */
export const K8S_VERSION_ENV = 'OPERON_K8S_VERSION';

/** The default: the newest minor that is known to build. */
export const DEFAULT_RELEASE: ReleasePin = RELEASES[0]!;

/**
 * The version asked for: the explicit one (an option or `--version`) if given, else
 * `OPERON_K8S_VERSION`; undefined (the default release) when neither is set or both are empty.
 */
export function requestedVersion(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { version: string; from: 'option' | typeof K8S_VERSION_ENV } | undefined {
  if (explicit !== undefined && explicit.trim() !== '') return { version: explicit.trim(), from: 'option' };
  const fromEnv = env[K8S_VERSION_ENV]?.trim();
  return fromEnv ? { version: fromEnv, from: K8S_VERSION_ENV } : undefined;
}

/** Finds the pin for `1.37` or `1.37.2` (a leading `v` is allowed); undefined when unknown. */
export function findRelease(version: string | undefined): ReleasePin | undefined {
  if (version === undefined || version === '') return DEFAULT_RELEASE;
  const v = version.replace(/^v/, '');
  return RELEASES.find((r) => r.minor === v || r.kubernetes === v);
}
