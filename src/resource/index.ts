/**
 * Custom resources from one schema: `defineResource()` gives the TypeScript type, a
 * `ResourceType` for the client, cache and controllers, and a structural CRD with CEL rules.
 * Schemas are written with TypeBox's `Type` (re-exported here).
 */

export { default as Type, type Static, type TSchema } from 'typebox';
export {
  Condition,
  conditions,
  intOrString,
  listType,
  mapType,
  preserveUnknown,
  rule,
  type ValidationRule,
  validations,
} from './builders.ts';
export * as k8s from './builtin-schemas.ts';
export {
  type CrdOptions,
  type CustomObject,
  type CustomResource,
  type CustomResourceDefinitionManifest,
  defineResource,
  type ObjectType,
  type PrinterColumn,
  type ResourceDefinition,
  type ScaleSubresource,
  type VersionDefinition,
  type WebhookClientConfig,
  type WebhookConversion,
  webhookConversion,
} from './define-resource.ts';
export {
  convertSchema,
  type DescriptionOptions,
  type JSONSchemaProps,
  type SchemaIssue,
  toStructuralSchema,
} from './schema.ts';
