/**
 * One resource's webhooks as one value: `defineWebhooks(WebApp, { validate, default, conversion })`
 * types every handler from the resource, names the paths and webhook names, and builds the
 * server routes; the operator definition lists these in `webhooks`.
 */

import type { Client } from '../client/client.ts';
import type { KubernetesObject, ObjectOf, ResourceType } from '../client/resource.ts';
import type { ControllerPermissions } from '../controller/controller.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import {
  type AdmissionContext,
  admissionRoute,
  type Defaulter,
  type Operation,
  type ValidationResult,
  type Validator,
} from './admission.ts';
import { type Converter, conversionRoute, createConverter, type SpokeConversion } from './conversion.ts';
import type { ReviewRoute } from './server.ts';

/** A custom resource as `defineResource()` returns it, seen structurally. */
export interface WebhookResource extends ResourceType {
  readonly versions: Readonly<Record<string, ResourceType>>;
  readonly definition: { readonly versions: object };
}

type VersionsOf<R> = R extends { versions: infer M } ? M : never;
type VersionName<R> = keyof VersionsOf<R> & string;
/** The object type of version `V` of resource `R`. */
export type ObjectAt<R, V extends string> = ObjectOf<VersionsOf<R>[V & keyof VersionsOf<R>]>;
/** The storage version of `R`, from its object type's apiVersion. */
export type StorageVersion<R> =
  ObjectOf<R> extends { apiVersion?: `${string}/${infer V}` } ? V & VersionName<R> : VersionName<R>;

/** Settings of one admission webhook; each has the default controller-runtime and the API server use. */
export interface AdmissionOptions {
  /** What the API server does when the webhook cannot answer: `Fail` (default) rejects the request, `Ignore` admits it. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** 1–30; default 10. The handler's signal aborts then, and the API server gives up. */
  timeoutSeconds?: number;
  /** Default CREATE and UPDATE. */
  operations?: readonly Operation[];
  /**
   * `IfNeeded` lets the API server call a defaulter again after later mutating webhooks changed
   * the object (it must be idempotent); default `Never`.
   */
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

/** The conversion of a resource with several versions: each spoke converts to and from the hub. */
export interface ConversionDefinition<R, H extends string> {
  /** The hub every version converts through; default the storage version. */
  hub?: H;
  spokes: { [S in Exclude<VersionName<R>, H>]: SpokeConversion<ObjectAt<R, S>, ObjectAt<R, H>> };
}

/**
 * What the handlers read or write through `ctx.client`, for the generated RBAC (the shape of a
 * controller's `permissions.other`): e.g. `{ resource: ConfigMap, verbs: ['get'], namespace,
 * resourceNames: [name] }` for a lookup. Webhooks run as the operator's ServiceAccount.
 */
export type WebhookPermissions = NonNullable<ControllerPermissions['other']>;

export interface WebhookHandlers<R, H extends string> {
  /** What the handlers need through `ctx.client`; `operon generate rbac` grants it. */
  permissions?: WebhookPermissions;
  /** Admits or denies CREATE and UPDATE (see `validateOptions.operations`) of the hub version. */
  validate?: Validator<ObjectAt<R, H>>;
  validateOptions?: AdmissionOptions;
  /** Defaults the object on CREATE and UPDATE; Operon computes the JSON Patch. */
  default?: Defaulter<ObjectAt<R, H>>;
  defaultOptions?: AdmissionOptions;
  /** Hub-and-spoke conversion; required when the resource has more than one version. */
  conversion?: ConversionDefinition<R, H>;
}

/** An admission webhook as the manifests and the test harness register it. */
export interface AdmissionWebhookInfo {
  /** The webhook's name in its configuration, e.g. `validate.webapps.example.operon.dev`. */
  name: string;
  path: string;
  failurePolicy: 'Fail' | 'Ignore';
  timeoutSeconds: number;
  operations: readonly Operation[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
}

/** The webhooks of one resource: what `defineWebhooks()` returns and `defineOperator({ webhooks })` takes. */
export interface ResourceWebhooks {
  readonly resource: ResourceType;
  /** The version admission requests are sent at (the hub). */
  readonly admissionVersion: string;
  readonly validating?: AdmissionWebhookInfo;
  readonly mutating?: AdmissionWebhookInfo;
  /** Where ConversionReviews go, when the resource converts. */
  readonly conversionPath?: string;
  readonly converter?: Converter;
  /** What the handlers need through `ctx.client` (granted by the generated RBAC). */
  readonly permissions?: WebhookPermissions;
  /** The server routes of every handler; `client` becomes the handlers' `ctx.client`. */
  routes(options?: { client?: Client | undefined }): ReviewRoute[];
}

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function admissionInfo(
  prefix: 'validate' | 'mutate',
  resource: ResourceType,
  version: string,
  options: AdmissionOptions = {},
): AdmissionWebhookInfo {
  const where = `${resource.kind} ${prefix === 'validate' ? 'validateOptions' : 'defaultOptions'}`;
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${where}.timeoutSeconds must be a whole number from 1 to 30 (the API server's range), not ${timeoutSeconds}.`,
    );
  }
  const operations = options.operations ?? ['CREATE', 'UPDATE'];
  const bad = operations.filter((o) => !OPERATIONS.includes(o));
  if (operations.length === 0 || bad.length > 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${where}.operations must list some of ${OPERATIONS.join(', ')}${bad.length ? `, not ${bad.join(', ')}` : ''}.`,
    );
  }
  if (options.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(options.failurePolicy)) {
    throw new OperonError(ErrorCode.InvalidArgument, `${where}.failurePolicy must be "Fail" or "Ignore".`);
  }
  // controller-runtime's paths: /validate-<group with dots as dashes>-<version>-<lower-case kind>.
  const path = `/${prefix}-${resource.group.replace(/\./g, '-')}-${version}-${resource.kind.toLowerCase()}`;
  return {
    name: `${prefix === 'validate' ? 'validate' : 'default'}.${resource.plural}.${resource.group}`,
    path,
    failurePolicy: options.failurePolicy ?? 'Fail',
    timeoutSeconds,
    operations,
    reinvocationPolicy: options.reinvocationPolicy ?? 'Never',
  };
}

/**
 * Declares the webhooks of one custom resource. Handlers are typed from the hub version (by
 * default the storage version), which is the version admission requests are sent at: the API
 * server converts a request at another version first.
 */
export function defineWebhooks<
  const R extends WebhookResource,
  const H extends VersionName<R> = StorageVersion<R>,
>(resource: R, handlers: WebhookHandlers<R, H>): ResourceWebhooks {
  const versionNames = Object.keys(resource.versions);
  const defs = resource.definition.versions as Readonly<Record<string, { storage?: boolean } | undefined>>;
  const storage = versionNames.find((v) => defs[v]?.storage === true) ?? versionNames[0]!;
  const hub: string = handlers.conversion?.hub ?? storage;
  if (!versionNames.includes(hub)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${resource.kind} webhooks: the hub "${hub}" is not one of its versions (${versionNames.join(', ')}).`,
    );
  }
  if (!handlers.validate && !handlers.default && !handlers.conversion) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${resource.kind} webhooks: define at least one of validate, default or conversion.`,
    );
  }
  let converter: Converter | undefined;
  if (handlers.conversion) {
    const spokes = handlers.conversion.spokes as Record<
      string,
      SpokeConversion<KubernetesObject, KubernetesObject>
    >;
    const missing = versionNames.filter((v) => v !== hub && !spokes?.[v]);
    const unknown = Object.keys(spokes ?? {}).filter((v) => !versionNames.includes(v));
    if (missing.length > 0 || unknown.length > 0) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${resource.kind} conversion: ${[
          missing.length ? `versions ${missing.join(', ')} need toHub and fromHub` : '',
          unknown.length
            ? `${unknown.join(', ')} ${unknown.length > 1 ? 'are not versions' : 'is not a version'} of it`
            : '',
        ]
          .filter(Boolean)
          .join('; ')}.`,
      );
    }
    converter = createConverter({ group: resource.group, kind: resource.kind, hub, spokes });
  }
  const validating = handlers.validate
    ? admissionInfo('validate', resource, hub, handlers.validateOptions)
    : undefined;
  const mutating = handlers.default
    ? admissionInfo('mutate', resource, hub, handlers.defaultOptions)
    : undefined;
  const conversionPath = converter
    ? `/convert-${resource.group.replace(/\./g, '-')}-${resource.kind.toLowerCase()}`
    : undefined;
  const hubType = resource.versions[hub]!;
  return Object.freeze({
    resource: hubType,
    admissionVersion: hub,
    ...(validating ? { validating } : {}),
    ...(mutating ? { mutating } : {}),
    ...(conversionPath ? { conversionPath } : {}),
    ...(converter ? { converter } : {}),
    ...(handlers.permissions?.length ? { permissions: handlers.permissions } : {}),
    routes(options: { client?: Client | undefined } = {}): ReviewRoute[] {
      const routes: ReviewRoute[] = [];
      if (validating) {
        routes.push(
          admissionRoute({
            ...validating,
            mode: 'validate',
            client: options.client,
            handler: handlers.validate as unknown as Validator<KubernetesObject>,
          }),
        );
      }
      if (mutating) {
        routes.push(
          admissionRoute({
            ...mutating,
            mode: 'default',
            client: options.client,
            handler: handlers.default as unknown as Defaulter<KubernetesObject>,
          }),
        );
      }
      if (converter && conversionPath) routes.push(conversionRoute(conversionPath, converter));
      return routes;
    },
  });
}

export type { AdmissionContext, ValidationResult };
