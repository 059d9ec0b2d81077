/**
 * Testing against a real Kubernetes control plane on this machine: `startControlPlane()` runs etcd
 * and kube-apiserver (plus, on request, the controller-manager, scheduler and kwok fake nodes);
 * `useControlPlane()` shares one plane across a whole test run.
 */

export {
  type BinarySource,
  COMPONENTS,
  type Component,
  cacheRoot,
  type FindBinariesOptions,
  type FoundBinaries,
  findBinaries,
  type InstallBinariesOptions,
  type InstalledBinaries,
  type InstallProgress,
  installBinaries,
  type ResolvedBinary,
} from './binaries.ts';
export { createTestClock, type TestClock, type TestClockOptions } from './clock.ts';
export {
  attachControlPlane,
  attachKubeconfig,
  type ControlPlane,
  type ControlPlaneOptions,
  type KubeconfigFile,
  KWOK_ANNOTATION,
  type OptionalComponent,
  startControlPlane,
  type TestNamespace,
  useExistingCluster,
} from './control-plane.ts';
export { type EventuallyOptions, eventually } from './eventually.ts';
export { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
export type { Kubeconfig } from './kubeconfig.ts';
export { type KubernetesObject, loadManifests, parseManifests } from './manifests.ts';
export { SHARED_PLANE_ENV, startSharedControlPlane, useControlPlane } from './shared.ts';
export { K8S_VERSION_ENV, RELEASES, type ReleasePin } from './versions.ts';
export { type RunningWebhooks, type RunWebhooksOptions, runWebhooks } from './webhooks.ts';
