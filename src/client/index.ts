/**
 * Talking to the API server: `loadConfig()` reads kubeconfig or in-cluster settings like kubectl,
 * `createClient()` gives typed reads and writes for any `ResourceType`, and the built-in kinds
 * (`Deployment`, `ConfigMap`, ...) are both TypeScript types and resource types.
 */

export {
  ApiError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
} from './api-error.ts';
export {
  type ApplyOptions,
  type Client,
  type ClientOptions,
  createClient,
  type DeepPartial,
  type DeleteCollectionOptions,
  type DeleteOptions,
  isApiError,
  type ListOptions,
  type ObjectList,
  type ObjectOptions,
  type PatchOptions,
  type PatchType,
  type RawApi,
  type RawRequestOptions,
  type RawResponse,
  type RawStream,
  type Reader,
  type RequestOptions,
  resourcePath,
  type Scale,
  type Selector,
  selectorString,
  type WriteOptions,
  type WriteRecord,
} from './client.ts';
export {
  type AuthProvider,
  type ClusterConfig,
  type ConfigWarn,
  type Credentials,
  configFromKubeconfigObject,
  type Impersonation,
  inClusterConfig,
  type LoadConfigOptions,
  loadConfig,
  loadKubeconfig,
} from './config.ts';
export { type KubernetesObject, type ObjectOf, type ResourceType, resourceType } from './resource.ts';
export { createRestMapper, type RestMapper } from './rest-mapper.ts';
export {
  createTransport,
  type HttpRequest,
  type HttpResponse,
  impersonationHeaders,
  type Transport,
  type TransportOptions,
} from './transport.ts';
export * from './types/index.ts';
