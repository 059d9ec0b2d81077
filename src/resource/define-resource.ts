/**
 * One definition of a custom resource gives everything else: `defineResource()` returns a
 * `ResourceType` whose TypeScript type follows the schema, and `crd()` the structural
 * apiextensions.k8s.io/v1 CustomResourceDefinition the API server enforces.
 */

import type { Static, TSchema } from 'typebox';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { resourceType } from '../client/resource.ts';
import type { ObjectMeta } from '../client/types/meta-v1.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { ValidationRule } from './builders.ts';
import {
  convertSchema,
  type DescriptionOptions,
  type JSONSchemaProps,
  type SchemaIssue,
  schemaError,
  trimDescriptions,
} from './schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** JSONPath into the object, e.g. `.spec.image`. */
  jsonPath: string;
  description?: string;
  format?: string;
  /** 0 shows in `kubectl get`; higher only with `-o wide`. */
  priority?: number;
}

export interface ScaleSubresource {
  /** Where the desired replicas live, e.g. `.spec.replicas`. */
  specReplicasPath: string;
  /** Where the current replicas are reported, e.g. `.status.replicas`. */
  statusReplicasPath: string;
  /** Where the label selector (as a string) is reported, for HPAs; e.g. `.status.selector`. */
  labelSelectorPath?: string;
}

export interface VersionDefinition<Spec extends TSchema = TSchema, Status extends TSchema = TSchema> {
  /** Served by the API server; default true. */
  served?: boolean;
  /** The version etcd stores; exactly one version has it (a single version gets it by default). */
  storage?: boolean;
  /** Marks the version deprecated; a string is the warning clients see. */
  deprecated?: boolean | string;
  spec: Spec;
  status?: Status;
  /** Whether `spec` must be present; default: when the spec schema has required fields. */
  specRequired?: boolean;
  printerColumns?: readonly PrinterColumn[];
  /** `status` defaults to on when a status schema is given. */
  subresources?: { status?: boolean; scale?: ScaleSubresource };
  /** Fields `kubectl get --field-selector` can select on, e.g. `.spec.image`. */
  selectableFields?: readonly string[];
  /** CEL rules over the whole object (`self.spec`, `self.metadata.name`). */
  validations?: readonly ValidationRule[];
}

export interface ResourceDefinition<V extends Record<string, VersionDefinition>> {
  /** A DNS subdomain with at least one dot, e.g. `example.operon.dev`. */
  group: string;
  /** PascalCase, e.g. `WebApp`. */
  kind: string;
  /** Lower-case plural for paths; default kind lower-cased plus `s`. */
  plural?: string;
  singular?: string;
  shortNames?: readonly string[];
  /** e.g. `['all']` so `kubectl get all` lists it. */
  categories?: readonly string[];
  /** Default `Namespaced`. */
  scope?: 'Namespaced' | 'Cluster';
  /** Shown by `kubectl explain` for the kind. */
  description?: string;
  /**
   * Keep the CRD small: `{ maxDepth: 3 }` drops the descriptions of fields more than three levels
   * deep (1 is `spec` and `status`, 2 their fields), `{ maxLength: 200 }` cuts long ones (controller-gen's `maxDescLen`). An
   * embedded PodTemplateSpec is most of a CRD's size, nearly all of it descriptions. Default: all kept.
   */
  descriptions?: DescriptionOptions;
  versions: V;
}

type StorageKey<V> = {
  [K in keyof V]: V[K] extends { storage: true } ? K : never;
}[keyof V];

type VersionKey<V> = [StorageKey<V>] extends [never] ? keyof V : StorageKey<V>;

type SpecOf<D> = D extends { spec: infer S extends TSchema } ? Static<S> : never;
type StatusOf<D> = D extends { status: infer S extends TSchema } ? Static<S> : never;

/** The object type of one version of a custom resource. */
export type CustomObject<G extends string, K extends string, Ver extends string, D> = {
  apiVersion?: `${G}/${Ver}`;
  kind?: K;
  metadata?: ObjectMeta;
  spec: SpecOf<D>;
  status?: StatusOf<D>;
};

/** A custom resource: a ResourceType of its storage version, plus its CRD and its other versions. */
export type CustomResource<
  G extends string,
  K extends string,
  V extends Record<string, VersionDefinition>,
> = ResourceType<CustomObject<G, K, VersionKey<V> & string, V[VersionKey<V>]>> & {
  readonly definition: ResourceDefinition<V>;
  /** The ResourceType of each version, e.g. `WebApp.versions.v1beta1`. */
  readonly versions: { readonly [Ver in keyof V & string]: ResourceType<CustomObject<G, K, Ver, V[Ver]>> };
  /**
   * The CustomResourceDefinition, checked structural; stable (same input, same output). With
   * `conversion`, its `spec.conversion` sends conversions to that webhook (strategy Webhook).
   */
  crd(options?: CrdOptions): CustomResourceDefinitionManifest;
};

/** Where the API server sends ConversionReviews: exactly one of `url` and `service`. */
export interface WebhookClientConfig {
  /** `https://host:port/path`, as envtest and local tests use. */
  url?: string;
  /** The in-cluster Service of the webhook server; port default 443. */
  service?: { namespace: string; name: string; path?: string; port?: number };
  /** Base64 PEM of the CA that signs the serving certificate; empty trusts the system roots. */
  caBundle?: string;
}

/** The CRD's `spec.conversion` when versions are converted by a webhook. */
export interface WebhookConversion {
  strategy: 'Webhook';
  webhook: { clientConfig: WebhookClientConfig; conversionReviewVersions: string[] };
}

export interface CrdOptions {
  /** Send conversions between versions to this webhook (`spec.conversion.strategy: Webhook`). */
  conversion?: WebhookClientConfig;
  /** Extra annotations, e.g. cert-manager's `cert-manager.io/inject-ca-from`. */
  annotations?: Readonly<Record<string, string>>;
}

/** The conversion stanza of a CRD for a webhook at `clientConfig`. */
export function webhookConversion(clientConfig: WebhookClientConfig): WebhookConversion {
  const hasUrl = clientConfig.url !== undefined;
  const hasService = clientConfig.service !== undefined;
  if (hasUrl === hasService) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'A conversion webhook needs exactly one of clientConfig.url and clientConfig.service.',
    );
  }
  return {
    strategy: 'Webhook',
    webhook: { clientConfig: structuredClone(clientConfig), conversionReviewVersions: ['v1'] },
  };
}

/** The object `crd()` returns: apiextensions.k8s.io/v1 CustomResourceDefinition. */
export interface CustomResourceDefinitionManifest extends KubernetesObject {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<Record<string, unknown>>;
    conversion?: WebhookConversion | { strategy: 'None' };
  };
}

/** The object type of a custom resource (its storage version): `type WebApp = ObjectType<typeof WebApp>`. */
export type ObjectType<R> = R extends ResourceType<infer T> ? T : never;

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;

function check(def: ResourceDefinition<Record<string, VersionDefinition>>): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const where = `${def.kind ?? '?'}`;
  if (typeof def.group !== 'string' || !DNS_SUBDOMAIN.test(def.group)) {
    issues.push({
      path: `${where}.group`,
      problem: `"${def.group}" is not a DNS subdomain with at least one dot`,
      fix: 'Use a domain you own, lower case, e.g. "example.operon.dev".',
    });
  }
  if (typeof def.kind !== 'string' || !KIND.test(def.kind)) {
    issues.push({
      path: `${where}.kind`,
      problem: `"${def.kind}" is not a PascalCase kind`,
      fix: 'E.g. "WebApp".',
    });
  }
  const plural = def.plural ?? `${String(def.kind).toLowerCase()}s`;
  if (!DNS_LABEL.test(plural) || plural.length > 63) {
    issues.push({
      path: `${where}.plural`,
      problem: `"${plural}" is not a lower-case DNS label`,
      fix: 'Use lower-case letters, digits and "-", e.g. "webapps".',
    });
  }
  for (const [i, s] of (def.shortNames ?? []).entries()) {
    if (!DNS_LABEL.test(s))
      issues.push({
        path: `${where}.shortNames[${i}]`,
        problem: `"${s}" is not lower case`,
        fix: 'E.g. "wa".',
      });
  }
  const names = Object.keys(def.versions ?? {});
  if (names.length === 0) {
    issues.push({
      path: `${where}.versions`,
      problem: 'is empty',
      fix: 'Define at least one version, e.g. { v1: { spec } }.',
    });
  }
  for (const v of names) {
    if (!VERSION.test(v)) {
      issues.push({
        path: `${where}.versions.${v}`,
        problem: `"${v}" is not a Kubernetes version name`,
        fix: 'Use v1, v2, v1beta1, v1alpha2, ...',
      });
    }
  }
  const storage = names.filter((n) => def.versions[n]!.storage === true);
  if (names.length > 1 && storage.length !== 1) {
    issues.push({
      path: `${where}.versions`,
      problem: `${storage.length === 0 ? 'no version is' : `${storage.join(', ')} are all`} marked storage`,
      fix: 'Mark exactly one version with storage: true.',
    });
  }
  return issues;
}

function versionSchema(
  def: ResourceDefinition<Record<string, VersionDefinition>>,
  name: string,
  version: VersionDefinition,
  issues: SchemaIssue[],
): JSONSchemaProps {
  const at = `${def.kind}.versions.${name}`;
  const convert = (schema: TSchema, path: string): JSONSchemaProps => convertSchema(schema, path, issues);
  const spec = convert(version.spec, `${at}.spec`);
  const properties: Record<string, JSONSchemaProps> = {
    apiVersion: {
      type: 'string',
      description: 'APIVersion defines the versioned schema of this representation of an object.',
    },
    kind: {
      type: 'string',
      description: 'Kind is a string value representing the REST resource this object represents.',
    },
    metadata: { type: 'object' },
    spec,
  };
  if (version.status) properties.status = convert(version.status, `${at}.status`);
  const specRequired = version.specRequired ?? Array.isArray(spec.required);
  const schema: JSONSchemaProps = {
    type: 'object',
    ...(def.description ? { description: def.description } : {}),
    properties,
    ...(specRequired ? { required: ['spec'] } : {}),
    ...(version.validations?.length ? { 'x-kubernetes-validations': version.validations } : {}),
  };
  return def.descriptions ? trimDescriptions(schema, def.descriptions) : schema;
}

function pluralOf(def: ResourceDefinition<Record<string, VersionDefinition>>): string {
  return def.plural ?? `${def.kind.toLowerCase()}s`;
}

/** Declares a custom resource. Checks names and schemas at once; errors name the path and the fix. */
export function defineResource<
  const G extends string,
  const K extends string,
  const V extends Record<string, VersionDefinition>,
>(def: ResourceDefinition<V> & { group: G; kind: K }): CustomResource<G, K, V> {
  const d = def as unknown as ResourceDefinition<Record<string, VersionDefinition>>;
  const issues = check(d);
  if (issues.length > 0) throw schemaError(issues);
  const plural = pluralOf(d);
  const names = Object.keys(d.versions);
  const storageName = names.find((n) => d.versions[n]!.storage === true) ?? names[0]!;

  // Convert every version now, so a bad schema fails where it is defined.
  const schemaIssues: SchemaIssue[] = [];
  const schemas = Object.fromEntries(
    names.map((n) => [n, versionSchema(d, n, d.versions[n]!, schemaIssues)]),
  );
  if (schemaIssues.length > 0) throw schemaError(schemaIssues);

  const typeFor = (version: string) => {
    const v = d.versions[version]!;
    const subresources = [
      ...((v.subresources?.status ?? v.status !== undefined) ? ['status'] : []),
      ...(v.subresources?.scale ? ['scale'] : []),
    ];
    return resourceType({
      group: d.group,
      version,
      kind: d.kind,
      plural,
      namespaced: (d.scope ?? 'Namespaced') === 'Namespaced',
      subresources,
    });
  };

  const crd = (options: CrdOptions = {}): CustomResourceDefinitionManifest => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${d.group}`,
      ...(options.annotations ? { annotations: { ...options.annotations } } : {}),
    },
    spec: {
      group: d.group,
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural,
        singular: d.singular ?? d.kind.toLowerCase(),
        ...(d.shortNames?.length ? { shortNames: [...d.shortNames] } : {}),
        ...(d.categories?.length ? { categories: [...d.categories] } : {}),
      },
      scope: d.scope ?? 'Namespaced',
      versions: names.map((n) => {
        const v = d.versions[n]!;
        const status = v.subresources?.status ?? v.status !== undefined;
        const subresources = {
          ...(status ? { status: {} } : {}),
          ...(v.subresources?.scale ? { scale: { ...v.subresources.scale } } : {}),
        };
        return {
          name: n,
          served: v.served ?? true,
          storage: n === storageName,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(typeof v.deprecated === 'string' ? { deprecationWarning: v.deprecated } : {}),
          schema: { openAPIV3Schema: schemas[n] },
          ...(Object.keys(subresources).length > 0 ? { subresources } : {}),
          ...(v.printerColumns?.length
            ? { additionalPrinterColumns: v.printerColumns.map((c) => ({ ...c })) }
            : {}),
          ...(v.selectableFields?.length
            ? { selectableFields: v.selectableFields.map((jsonPath) => ({ jsonPath })) }
            : {}),
        };
      }),
      ...(options.conversion ? { conversion: webhookConversion(options.conversion) } : {}),
    },
  });

  const versions = Object.fromEntries(names.map((n) => [n, typeFor(n)]));
  return Object.freeze({
    ...typeFor(storageName),
    definition: def,
    versions,
    crd,
  }) as unknown as CustomResource<G, K, V>;
}
