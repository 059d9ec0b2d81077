/**
 * Kubeconfig files for a local control plane: `kubeconfigFor()` builds one for a user with a client
 * certificate, `writeKubeconfig()` saves it as YAML that kubectl and every client library read.
 */

import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** The parts of a kubeconfig (`clientcmd/v1.Config`) a local control plane uses. */
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  'current-context': string;
  preferences: Record<string, never>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface KubeconfigInput {
  /** Cluster and context name. */
  name: string;
  server: string;
  caCert: string;
  user: string;
  clientCert: string;
  clientKey: string;
  namespace?: string;
}

/** A kubeconfig with one cluster, one user and one context, all current. */
export function kubeconfigFor(input: KubeconfigInput): Kubeconfig {
  const context: Kubeconfig['contexts'][number]['context'] = { cluster: input.name, user: input.user };
  if (input.namespace) context.namespace = input.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.name,
        cluster: { server: input.server, 'certificate-authority-data': b64(input.caCert) },
      },
    ],
    users: [
      {
        name: input.user,
        user: { 'client-certificate-data': b64(input.clientCert), 'client-key-data': b64(input.clientKey) },
      },
    ],
    contexts: [{ name: input.name, context }],
    'current-context': input.name,
    preferences: {},
  };
}

/** Writes a kubeconfig readable only by its owner (it holds a private key). */
export async function writeKubeconfig(path: string, config: Kubeconfig): Promise<void> {
  await writeFile(path, stringify(config), { mode: 0o600 });
}
