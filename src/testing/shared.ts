/**
 * One control plane for a whole test run: a runner starts it with `startSharedControlPlane()`,
 * and each test file gets it with `useControlPlane()` (a test file run alone starts its own).
 */

import { resolveRelease } from './binaries.ts';
import {
  attachControlPlane,
  attachKubeconfig,
  type ControlPlane,
  type ControlPlaneOptions,
  startControlPlane,
  useExistingCluster,
} from './control-plane.ts';
import { requestedVersion } from './versions.ts';

/** The environment variable that names the shared plane's folder for test processes. */
export const SHARED_PLANE_ENV = 'OPERON_TEST_CONTROL_PLANE';

/**
 * With `OPERON_USE_EXISTING_CLUSTER=true` (or envtest's `USE_EXISTING_CLUSTER=true`), the cluster
 * of `KUBECONFIG`'s current context. Otherwise the shared plane when the test runner started one
 * with every component this file needs (and the Kubernetes minor it asks for, when it asks for
 * one), else a new plane for this file. Either way, `stop()` the result when the file is done:
 * for the shared plane that only closes this file's connection.
 */
export async function useControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  if (useExistingCluster(options.env)) {
    // envtest's USE_EXISTING_CLUSTER: the user's cluster from KUBECONFIG, whatever components it runs.
    const plane = await attachKubeconfig(options.env);
    if (options.crds?.length) await plane.installCRDs(options.crds);
    return plane;
  }
  const dir = process.env[SHARED_PLANE_ENV];
  // The shared plane runs the minimal controller set; another set needs a plane of its own.
  const minimal = options.controllers === undefined || options.controllers === 'minimal';
  if (dir && minimal) {
    const plane = await attachControlPlane(dir);
    const needed = options.components ?? [];
    try {
      if (needed.every((c) => plane.components.includes(c)) && (await runsRequestedVersion(plane, options))) {
        if (options.crds?.length) await plane.installCRDs(options.crds);
        return plane;
      }
    } catch (err) {
      // An unknown version, a /version that fails, CRDs that cannot be installed: close this
      // file's connection to the shared plane before saying so.
      await plane.stop();
      throw err;
    }
    await plane.stop();
  }
  return startControlPlane(options);
}

/**
 * Whether the shared plane runs the Kubernetes minor this file asks for (`version`, else
 * `OPERON_K8S_VERSION`); true when it asks for none, so the shared plane is taken as it is.
 */
export async function runsRequestedVersion(
  plane: Pick<ControlPlane, 'connection'>,
  options: ControlPlaneOptions,
): Promise<boolean> {
  if (requestedVersion(options.version, options.env ?? process.env) === undefined) return true;
  const wanted = resolveRelease(options.version, options.env ?? process.env);
  const res = await plane.connection.request<{ major?: string; minor?: string }>('GET', '/version');
  return `${res.body?.major}.${res.body?.minor}` === wanted.minor;
}

/**
 * Starts a plane for a whole test run and sets `OPERON_TEST_CONTROL_PLANE` in this process'
 * environment, so test processes spawned from here share it.
 */
export async function startSharedControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const plane = await startControlPlane(options);
  process.env[SHARED_PLANE_ENV] = plane.dir;
  const stop = plane.stop;
  return Object.assign(plane, {
    stop: async () => {
      delete process.env[SHARED_PLANE_ENV];
      await stop();
    },
  });
}
