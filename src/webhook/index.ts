/**
 * Admission and conversion webhooks: `defineWebhooks(resource, { validate, default, conversion })`
 * declares one resource's handlers, typed from it; `createWebhookServer()` serves them over HTTPS
 * as a Runnable; `createSelfSignedCA()` / `issueServingCert()` make its certificates.
 */

export {
  Admission,
  type AdmissionContext,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionStatus,
  admissionRoute,
  type Defaulter,
  decodePatch,
  encodePatch,
  type Operation,
  type UserInfo,
  type ValidationResult,
  type Validator,
} from './admission.ts';
export {
  type CertificatePair,
  type CreateCAOptions,
  certificateValidity,
  createSelfSignedCA,
  type IssueServingCertOptions,
  issueServingCert,
} from './certs.ts';
export {
  CONVERSION_ANNOTATION,
  type ConversionRequest,
  type ConversionResponse,
  type Converted,
  type Converter,
  type ConverterOptions,
  conversionRoute,
  createConverter,
  type SpokeConversion,
} from './conversion.ts';
export {
  type AdmissionOptions,
  type AdmissionWebhookInfo,
  type ConversionDefinition,
  defineWebhooks,
  type ObjectAt,
  type ResourceWebhooks,
  type StorageVersion,
  type WebhookHandlers,
  type WebhookPermissions,
  type WebhookResource,
} from './define-webhooks.ts';
export {
  type ApplyPatchOptions,
  applyPatch,
  createPatch,
  type JsonPatchOperation,
  type JsonValue,
  jsonEqual,
  toJson,
} from './json-patch.ts';
export { createWebhookMetrics, WEBHOOK_LATENCY_BUCKETS, type WebhookMetrics } from './metrics.ts';
export {
  type CertificateRotator,
  type CertificateRotatorOptions,
  createCertificateRotator,
  needsRenewal,
  SECRET_KEYS,
} from './rotator.ts';
export {
  addOperatorWebhooks,
  type OperatorWebhookOptions,
  serveOperatorWebhooks,
  type WebhookRunnable,
  webhookRunnable,
} from './run.ts';
export {
  createWebhookServer,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  parseGoDuration,
  type ReviewContext,
  type ReviewRequest,
  type ReviewRoute,
  type WebhookServer,
  type WebhookServerOptions,
} from './server.ts';
