/**
 * The typed REST client: `createClient()` gives get, list (with paging and selectors), create,
 * replace, patch (merge, JSON, strategic, server-side apply), delete, deleteCollection and the
 * status and scale subresources, for any `ResourceType`.
 */

import { ErrorCode, OperonError } from '../errors.ts';
import { ApiError } from './api-error.ts';
import type { ClusterConfig } from './config.ts';
import type { KubernetesObject, ResourceType } from './resource.ts';
import { createRestMapper, type RestMapper } from './rest-mapper.ts';
import { createTransport, type Transport, type TransportOptions } from './transport.ts';
import type { ListMeta, ObjectMeta, Status } from './types/meta-v1.ts';

/** A list answer: `items` plus the list's resourceVersion and continue token. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** Equality selectors as an object (`{ app: 'web' }`) or any selector string (`app in (a,b),!old`). */
export type Selector = string | Readonly<Record<string, string>>;

export interface RequestOptions {
  signal?: AbortSignal | undefined;
}

export interface ObjectOptions extends RequestOptions {
  /** Required for namespaced kinds unless the object carries `metadata.namespace`. */
  namespace?: string | undefined;
}

export interface ListOptions extends RequestOptions {
  /** Omit for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: Selector | undefined;
  fieldSelector?: Selector | undefined;
  /** Page size; the answer's `metadata.continue` fetches the next page. */
  limit?: number | undefined;
  continue?: string | undefined;
  resourceVersion?: string | undefined;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact' | undefined;
  /**
   * Only objects whose cache index has these values (`{ owner: ownerKey(cronJob) }`; several
   * must all match). Answered by the cache's Reader from its indexes; the API server has none,
   * so the client rejects it.
   */
  index?: Readonly<Record<string, string>> | undefined;
}

export interface WriteOptions extends ObjectOptions {
  /** Validate and answer as if written, without persisting. */
  dryRun?: boolean | undefined;
  /** Who owns the fields written; default the client's field manager. */
  fieldManager?: string | undefined;
  /** `Strict` rejects unknown or duplicate fields; default `Strict` for typed writes. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore' | undefined;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface PatchOptions extends WriteOptions {
  /** `merge` (RFC 7386, default), `json` (RFC 6902 operations), `strategic` (built-in kinds only). */
  type?: PatchType | undefined;
}

export interface ApplyOptions extends WriteOptions {
  /** Take ownership of fields other managers own instead of failing with a Conflict. */
  force?: boolean | undefined;
}

export interface DeleteOptions extends ObjectOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' | undefined;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  gracePeriodSeconds?: number | undefined;
  dryRun?: boolean | undefined;
}

export interface DeleteCollectionOptions extends ListOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' | undefined;
  dryRun?: boolean | undefined;
}

/** autoscaling/v1 Scale, the scale subresource. */
export interface Scale {
  apiVersion?: 'autoscaling/v1';
  kind?: 'Scale';
  metadata?: ObjectMeta;
  spec?: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

/** Reads objects. Served by the client (from the API server) and by the cache, interchangeably. */
export interface Reader {
  get<T extends KubernetesObject>(type: ResourceType<T>, name: string, options?: ObjectOptions): Promise<T>;
  list<T extends KubernetesObject>(type: ResourceType<T>, options?: ListOptions): Promise<ObjectList<T>>;
}

/**
 * What a successful write reports to observers (the cache uses it for read-your-own-writes).
 * Dry-run writes are not reported; writes through the status and scale subresources are, as
 * writes of the object.
 */
export interface WriteRecord {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  /**
   * The resourceVersion the write produced. For a delete that removed the object: the
   * resourceVersion of the deletion when the server answered with the deleted object (a watch
   * shows the delete at that resourceVersion), undefined when it answered with a Status.
   */
  resourceVersion: string | undefined;
  /** True when the object is gone (not when a delete left it terminating). */
  deleted: boolean;
  /** The object's uid, when the answer carried it. */
  uid?: string | undefined;
}

/** A raw list or watch request: what `client.raw` sends. */
export interface RawRequestOptions {
  /** Omit for all namespaces (or for a cluster-scoped kind). */
  namespace?: string | undefined;
  /** Query parameters; undefined, false and '' are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  /** Ask for PartialObjectMetadata (a metadata-only list or watch). */
  metadataOnly?: boolean | undefined;
  signal: AbortSignal;
  /** Longest silence in the body before the connection counts as dead; default 120 s. */
  idleTimeoutMs?: number | undefined;
}

/** A raw answer: status, headers and the body, unparsed. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The path requested, without its query (for error messages). */
  readonly path: string;
  /** Reads the whole body. */
  text(): Promise<string>;
}

/** A raw watch: the body as lines, one JSON watch event each. */
export interface RawStream extends RawResponse {
  /** The body split into non-empty lines; read it once. */
  lines(): AsyncIterable<string>;
  /** Drops the rest of the body (and its stream); safe to call twice. */
  close(): void;
}

/**
 * Raw list and watch requests, for the watch (`operon/watch`): the seam between the watch's state
 * machine and HTTP, so that the watch is tested against a fake.
 */
export interface RawApi {
  /** `GET` a collection; the caller reads `text()` and decides what the status means. */
  list(type: ResourceType, options: RawRequestOptions): Promise<RawResponse>;
  /** `GET ...?watch=1`: resolves once the server answers (any status), before the first event. */
  watch(type: ResourceType, options: RawRequestOptions): Promise<RawStream>;
}

export interface Client extends Reader {
  readonly config: ClusterConfig;
  readonly transport: Transport;
  /** Raw list and watch requests (what the watch is built on). */
  readonly raw: RawApi;
  /** Maps apiVersion + kind to a ResourceType through discovery (cached). */
  readonly mapper: RestMapper;
  /** The field manager used for writes when none is given. */
  readonly fieldManager: string;
  /** Every page of a list, fetched `limit` at a time. */
  listAll<T extends KubernetesObject>(type: ResourceType<T>, options?: ListOptions): AsyncIterable<T>;
  create<T extends KubernetesObject>(type: ResourceType<T>, object: T, options?: WriteOptions): Promise<T>;
  /** Replaces the whole object; its `metadata.resourceVersion` makes it fail with a Conflict when stale. */
  replace<T extends KubernetesObject>(type: ResourceType<T>, object: T, options?: WriteOptions): Promise<T>;
  patch<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T>;
  /** Server-side apply: the fields in `object` become owned by the field manager. */
  apply<T extends KubernetesObject>(
    type: ResourceType<T>,
    object: DeepPartial<T>,
    options?: ApplyOptions,
  ): Promise<T>;
  /**
   * Deletes; resolves to the object while it terminates (finalizers or a grace period hold it:
   * `metadata.deletionTimestamp` is set), undefined once it is gone, whether the server answered
   * with a Status or with the deleted object.
   */
  delete<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    options?: DeleteOptions,
  ): Promise<T | undefined>;
  deleteCollection<T extends KubernetesObject>(
    type: ResourceType<T>,
    options?: DeleteCollectionOptions,
  ): Promise<void>;
  /** The status subresource. */
  readonly status: {
    get<T extends KubernetesObject>(type: ResourceType<T>, name: string, options?: ObjectOptions): Promise<T>;
    replace<T extends KubernetesObject>(type: ResourceType<T>, object: T, options?: WriteOptions): Promise<T>;
    patch<T extends KubernetesObject>(
      type: ResourceType<T>,
      name: string,
      patch: unknown,
      options?: PatchOptions,
    ): Promise<T>;
    apply<T extends KubernetesObject>(
      type: ResourceType<T>,
      object: DeepPartial<T>,
      options?: ApplyOptions,
    ): Promise<T>;
  };
  /** The scale subresource. */
  readonly scale: {
    get(type: ResourceType, name: string, options?: ObjectOptions): Promise<Scale>;
    replace(type: ResourceType, scale: Scale, options?: WriteOptions): Promise<Scale>;
    patch(type: ResourceType, name: string, patch: unknown, options?: PatchOptions): Promise<Scale>;
  };
  /** Observes successful writes. Returns a function that stops observing. */
  onWrite(listener: (write: WriteRecord) => void): () => void;
  /** Path of a collection or object, for raw requests and watches. */
  path(
    type: ResourceType,
    options?: { namespace?: string | undefined; name?: string; subresource?: string },
  ): string;
  /**
   * Ends the client for good: every request afterwards (a watch too, and any not yet sent)
   * rejects with code `OPERON_CLIENT_CLOSED` and opens no connection; requests in flight get a
   * second to finish. Make a new client to talk to the server again.
   */
  close(): Promise<void>;
}

export type DeepPartial<T> =
  T extends ReadonlyArray<infer U>
    ? ReadonlyArray<DeepPartial<U>>
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export interface ClientOptions extends TransportOptions {
  /** Default field manager for writes; default `operon`. */
  fieldManager?: string;
}

/** Encodes a Selector as the string the API server takes. */
export function selectorString(selector: Selector): string {
  if (typeof selector === 'string') return selector;
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === false || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json';
const METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1,application/json';

/** Splits a byte stream into non-empty lines. */
async function* splitLines(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) yield line;
      nl = buffer.indexOf('\n');
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) yield buffer;
}

const PATCH_CONTENT_TYPES: Record<PatchType | 'apply', string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * Why `segment` cannot be one segment of a URL path, as client-go's `IsValidPathSegmentName`
 * decides: `.` and `..` would move up the path (`get(Secret, '..')` would list instead), and `/` or
 * `%` would reach another resource once the server decodes it. Undefined when it can.
 */
function pathSegmentProblem(segment: string): string | undefined {
  if (segment === '') return 'is empty';
  if (segment === '.' || segment === '..') return `may not be "${segment}"`;
  if (segment.includes('/')) return 'may not contain "/"';
  if (segment.includes('%')) return 'may not contain "%"';
  return undefined;
}

/**
 * The path of a collection or object of `type`. Throws `InvalidArgument`, before any request, for a
 * name or namespace that is empty, `.`, `..`, or holds `/` or `%` (an empty namespace means all
 * namespaces, as in client-go).
 */
export function resourcePath(
  type: ResourceType,
  options: { namespace?: string | undefined; name?: string; subresource?: string } = {},
): string {
  const check = (what: string, value: string) => {
    const problem = pathSegmentProblem(value);
    if (problem) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `The ${type.kind} ${what} ${JSON.stringify(value)} ${problem}: it cannot name an object. Pass the object's real ${what}.`,
      );
    }
  };
  const root = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  if (type.namespaced && options.namespace) check('namespace', options.namespace);
  let path =
    type.namespaced && options.namespace
      ? `${root}/namespaces/${encodeURIComponent(options.namespace)}/${type.plural}`
      : `${root}/${type.plural}`;
  if (options.name !== undefined) {
    check('name', options.name);
    path += `/${encodeURIComponent(options.name)}`;
  }
  if (options.subresource) path += `/${options.subresource}`;
  return path;
}

export function createClient(config: ClusterConfig, options: ClientOptions = {}): Client {
  const transport = createTransport(config, options);
  const fieldManager = options.fieldManager ?? 'operon';
  const listeners = new Set<(w: WriteRecord) => void>();
  const mapper = createRestMapper(transport);

  function namespaceOf(
    type: ResourceType,
    explicit: string | undefined,
    object?: KubernetesObject,
  ): string | undefined {
    if (!type.namespaced) return undefined;
    const ns = explicit ?? object?.metadata?.namespace;
    if (!ns) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${type.kind} is namespaced: pass { namespace } or set metadata.namespace on the object.`,
      );
    }
    return ns;
  }

  function nameOf(type: ResourceType, object: KubernetesObject): string {
    const name = object.metadata?.name;
    if (!name) throw new OperonError(ErrorCode.InvalidArgument, `The ${type.kind} has no metadata.name.`);
    return name;
  }

  function notify(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    result: unknown,
    o: { dryRun?: boolean | undefined } | undefined,
    deleted = false,
  ) {
    if (listeners.size === 0 || o?.dryRun) return;
    const metadata = (result as KubernetesObject | undefined)?.metadata;
    const record: WriteRecord = {
      type,
      namespace,
      name,
      resourceVersion: metadata?.resourceVersion,
      deleted,
      uid: metadata?.uid,
    };
    for (const l of listeners) {
      try {
        l(record);
      } catch {}
    }
  }

  function writeQuery(o: WriteOptions | undefined, extra: Record<string, string | boolean | undefined> = {}) {
    return query({
      dryRun: o?.dryRun ? 'All' : undefined,
      fieldManager: o?.fieldManager ?? fieldManager,
      fieldValidation: o?.fieldValidation ?? 'Strict',
      ...extra,
    });
  }

  function withTypeMeta<T extends KubernetesObject>(type: ResourceType<T>, object: T): T {
    if (object.apiVersion && object.kind) return object;
    return { ...object, apiVersion: object.apiVersion ?? type.apiVersion, kind: object.kind ?? type.kind };
  }

  const json = <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    signal?: AbortSignal,
  ) =>
    transport.json<T>({
      method,
      path,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(contentType ? { contentType } : {}),
      signal,
    });

  async function list<T extends KubernetesObject>(type: ResourceType<T>, o: ListOptions = {}) {
    if (o.index !== undefined) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `An index query (index: { ${Object.keys(o.index).join(', ')} }) of ${type.kind} is answered by the cache, not the API server: list through the cache (ctx.reader in a reconcile).`,
      );
    }
    const path =
      resourcePath(type, { namespace: o.namespace }) +
      query({
        labelSelector: o.labelSelector !== undefined ? selectorString(o.labelSelector) : undefined,
        fieldSelector: o.fieldSelector !== undefined ? selectorString(o.fieldSelector) : undefined,
        limit: o.limit,
        continue: o.continue,
        resourceVersion: o.resourceVersion,
        resourceVersionMatch: o.resourceVersionMatch,
      });
    const result = await json<ObjectList<T>>('GET', path, undefined, undefined, o.signal);
    // Items in a list carry no apiVersion/kind on the wire; give them their type's.
    for (const item of result.items) {
      item.apiVersion ??= type.apiVersion;
      item.kind ??= type.kind;
    }
    return result;
  }

  function patchWith<T>(
    type: ResourceType,
    name: string,
    patch: unknown,
    o: PatchOptions | undefined,
    subresource?: string,
  ): Promise<T> {
    const namespace = namespaceOf(type, o?.namespace);
    const patchType = o?.type ?? 'merge';
    const path =
      resourcePath(type, { namespace, name, ...(subresource ? { subresource } : {}) }) + writeQuery(o);
    return json<T>('PATCH', path, patch, PATCH_CONTENT_TYPES[patchType], o?.signal).then((r) => {
      notify(type, namespace, name, r, o);
      return r;
    });
  }

  function applyWith<T extends KubernetesObject>(
    type: ResourceType<T>,
    object: DeepPartial<T>,
    o: ApplyOptions | undefined,
    subresource?: string,
  ): Promise<T> {
    const full = withTypeMeta(type, object as T);
    const namespace = namespaceOf(type, o?.namespace, full);
    const name = nameOf(type, full);
    const path =
      resourcePath(type, { namespace, name, ...(subresource ? { subresource } : {}) }) +
      writeQuery(o, { force: o?.force ? 'true' : undefined });
    return json<T>('PATCH', path, full, PATCH_CONTENT_TYPES.apply, o?.signal).then((r) => {
      notify(type, namespace, name, r, o);
      return r;
    });
  }

  function replaceWith<T extends KubernetesObject>(
    type: ResourceType<T>,
    object: T,
    o: WriteOptions | undefined,
    subresource?: string,
  ): Promise<T> {
    const full = withTypeMeta(type, object);
    const namespace = namespaceOf(type, o?.namespace, full);
    const name = nameOf(type, full);
    const path =
      resourcePath(type, { namespace, name, ...(subresource ? { subresource } : {}) }) + writeQuery(o);
    return json<T>('PUT', path, full, undefined, o?.signal).then((r) => {
      notify(type, namespace, name, r, o);
      return r;
    });
  }

  const raw: RawApi = {
    async list(type, o) {
      const path = resourcePath(type, { namespace: o.namespace });
      const res = await transport.send({
        method: 'GET',
        path: path + query(o.query ?? {}),
        signal: o.signal,
        ...(o.idleTimeoutMs !== undefined ? { bodyTimeoutMs: o.idleTimeoutMs } : {}),
        ...(o.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
      });
      return { status: res.status, headers: res.headers, path, text: () => res.body.text() };
    },
    async watch(type, o) {
      const path = resourcePath(type, { namespace: o.namespace });
      const res = await transport.send({
        method: 'GET',
        path: path + query({ ...o.query, watch: 1 }),
        signal: o.signal,
        ...(o.idleTimeoutMs !== undefined ? { bodyTimeoutMs: o.idleTimeoutMs } : {}),
        ...(o.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
      });
      const close = () => {
        if (!res.body.destroyed) res.body.destroy();
      };
      return {
        status: res.status,
        headers: res.headers,
        path,
        text: () => res.body.text(),
        lines: () => splitLines(res.body),
        close,
      };
    },
  };

  const client: Client = {
    config,
    transport,
    raw,
    mapper,
    fieldManager,
    async get(type, name, o = {}) {
      const namespace = namespaceOf(type, o.namespace);
      const obj = await json<typeof type.__object & object>(
        'GET',
        resourcePath(type, { namespace, name }),
        undefined,
        undefined,
        o.signal,
      );
      return obj as never;
    },
    list,
    async *listAll(type, o = {}) {
      let cont: string | undefined = o.continue;
      do {
        const page = await list(type, { ...o, limit: o.limit ?? 500, continue: cont });
        yield* page.items;
        cont = page.metadata.continue || undefined;
      } while (cont);
    },
    async create(type, object, o) {
      const full = withTypeMeta(type, object);
      const namespace = namespaceOf(type, o?.namespace, full);
      const created = await json<typeof object>(
        'POST',
        resourcePath(type, { namespace }) + writeQuery(o),
        full,
        undefined,
        o?.signal,
      );
      notify(type, namespace, created.metadata?.name ?? '', created, o);
      return created;
    },
    replace: (type, object, o) => replaceWith(type, object, o),
    patch: (type, name, patch, o) => patchWith(type, name, patch, o),
    apply: (type, object, o) => applyWith(type, object, o),
    async delete(type, name, o = {}) {
      const namespace = namespaceOf(type, o.namespace);
      const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
      if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
      if (o.preconditions) body.preconditions = o.preconditions;
      if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
      if (o.dryRun) body.dryRun = ['All'];
      const result = await json<KubernetesObject | Status>(
        'DELETE',
        resourcePath(type, { namespace, name }),
        body,
        undefined,
        o.signal,
      );
      if (!result || result.kind === 'Status') {
        const uid = (result as Status | undefined)?.details?.uid;
        notify(type, namespace, name, { metadata: { uid } }, o, true);
        return undefined;
      }
      const obj = result as KubernetesObject;
      if (!isTerminating(obj)) {
        // Kinds whose storage returns the deleted object (custom resources, Pods, ...): gone.
        notify(type, namespace, name, obj, o, true);
        return undefined;
      }
      notify(type, namespace, name, obj, o);
      return obj as never;
    },
    async deleteCollection(type, o = {}) {
      const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
      if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
      if (o.dryRun) body.dryRun = ['All'];
      const path =
        resourcePath(type, { namespace: o.namespace }) +
        query({
          labelSelector: o.labelSelector !== undefined ? selectorString(o.labelSelector) : undefined,
          fieldSelector: o.fieldSelector !== undefined ? selectorString(o.fieldSelector) : undefined,
        });
      await json('DELETE', path, body, undefined, o.signal);
    },
    status: {
      async get(type, name, o = {}) {
        const namespace = namespaceOf(type, o.namespace);
        return json(
          'GET',
          resourcePath(type, { namespace, name, subresource: 'status' }),
          undefined,
          undefined,
          o.signal,
        );
      },
      replace: (type, object, o) => replaceWith(type, object, o, 'status'),
      patch: (type, name, patch, o) => patchWith(type, name, patch, o, 'status'),
      apply: (type, object, o) => applyWith(type, object, o, 'status'),
    },
    scale: {
      async get(type, name, o = {}) {
        const namespace = namespaceOf(type, o.namespace);
        return json<Scale>(
          'GET',
          resourcePath(type, { namespace, name, subresource: 'scale' }),
          undefined,
          undefined,
          o.signal,
        );
      },
      async replace(type, scale, o) {
        const namespace = namespaceOf(type, o?.namespace, scale);
        const name = nameOf(type, scale);
        const path = resourcePath(type, { namespace, name, subresource: 'scale' }) + writeQuery(o);
        const result = await json<Scale>(
          'PUT',
          path,
          { apiVersion: 'autoscaling/v1', kind: 'Scale', ...scale },
          undefined,
          o?.signal,
        );
        // The Scale carries the object's resourceVersion: the write changed the object.
        notify(type, namespace, name, result, o);
        return result;
      },
      patch: (type, name, patch, o) => patchWith<Scale>(type, name, patch, o, 'scale'),
    },
    onWrite(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    path: resourcePath,
    close: () => transport.close(),
  };
  return client;
}

/**
 * Whether a delete's answer shows the object still there: finalizers hold it, or a grace period
 * (a Pod's) runs. An object deleted at once comes back without either (with
 * `deletionGracePeriodSeconds: 0` when a grace period was cut short).
 */
function isTerminating(object: KubernetesObject): boolean {
  const m = object.metadata;
  if (!m?.deletionTimestamp) return false;
  return (m.finalizers?.length ?? 0) > 0 || (m.deletionGracePeriodSeconds ?? 0) > 0;
}

/** Whether an error is an ApiError (any status). */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
