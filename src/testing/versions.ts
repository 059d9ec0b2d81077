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
];

/** The default: the newest minor that is known to build. */
export const DEFAULT_RELEASE: ReleasePin = RELEASES[0]!;

/** Finds the pin for `1.37` or `1.37.2` (a leading `v` is allowed); undefined when unknown. */
export function findRelease(version: string | undefined): ReleasePin | undefined {
  if (version === undefined || version === '') return DEFAULT_RELEASE;
  const v = version.replace(/^v/, '');
  return RELEASES.find((r) => r.minor === v || r.kubernetes === v);
}
