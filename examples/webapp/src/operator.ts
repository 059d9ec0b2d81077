/**
 * The WebApp operator: its definition (what `operon generate` reads) and, when run directly, the
 * operator itself: `node src/operator.ts` with a kubeconfig, or in a cluster from its image.
 */

import { defineOperator } from 'operon/manager';
import { webAppController } from './controller.ts';
import { WebApp } from './webapp.ts';
import { webAppWebhooks } from './webhooks.ts';

export const NAME = 'webapp-operator';
/** Where the operator runs and keeps its app registry. */
export const NAMESPACE = process.env.POD_NAMESPACE ?? `${NAME}-system`;

const operator = defineOperator({
  name: NAME,
  namespace: `${NAME}-system`,
  image: 'ghcr.io/operon-dev/webapp-operator:0.1.0',
  resources: [WebApp],
  controllers: [webAppController({ registryNamespace: NAMESPACE })],
  // v1alpha1 conversion, resource defaults and a registry allow-list (ConfigMap webapp-allowed-registries).
  webhooks: [webAppWebhooks({ allowList: { namespace: NAMESPACE, name: 'webapp-allowed-registries' } })],
  replicas: 2,
});
export default operator;

if (import.meta.main) process.exitCode = await operator.run();
