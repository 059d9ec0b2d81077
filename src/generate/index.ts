/**
 * Manifests from an operator's definition: `generateFiles(operator, 'crds' | 'rbac' | 'manifests')`
 * gives its CRDs, least-privilege RBAC and a hardened Deployment, byte-stable for git.
 */

export {
  checkImage,
  crdFiles,
  deploymentFiles,
  type GeneratedFile,
  type GenerateOptions,
  type GenerateWhat,
  generateFiles,
  rbacFiles,
  writeFiles,
} from './manifests.ts';
export {
  leaderElectionRules,
  metricsAuthRules,
  namespacedRbacRules,
  type PolicyRule,
  type RbacOptions,
  rbacManifests,
  rbacRules,
} from './rbac.ts';
export {
  crdWithConversion,
  type Manifest,
  WEBHOOK_CERT_DIR,
  type WebhookManifestOptions,
  webhookDeploymentParts,
  webhookManifests,
  webhookNames,
} from './webhooks.ts';
