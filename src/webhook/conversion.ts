/**
 * Conversion, hub and spoke: every version converts to and from one hub version, so any pair
 * converts through the hub. `createConverter()` does it for one resource, keeping in an
 * annotation what a spoke cannot hold; `conversionRoute()` answers ConversionReview v1 with it.
 */

import type { KubernetesObject } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { applyPatch, createPatch, type JsonPatchOperation, type JsonValue, toJson } from './json-patch.ts';
import type { ReviewRequest, ReviewRoute } from './server.ts';

/**
 * The annotation a spoke object carries when the hub had fields the spoke cannot hold: a JSON
 * Patch (RFC 6902) that, applied to the spoke converted back to the hub, restores them. It is
 * written on the way out of the hub and consumed (removed) on the way back in.
 */
export const CONVERSION_ANNOTATION = 'conversion.operon.dev/hub-fields';

/** An object as a conversion function returns it: Operon sets `apiVersion` and `kind` itself. */
export type Converted<T> = Omit<T, 'apiVersion' | 'kind'> & { apiVersion?: string; kind?: string };

/**
 * How one spoke version converts to and from the hub. Both get a copy, theirs to change, and
 * return the object at the other version; `apiVersion`, `kind` and all metadata but labels and
 * annotations are taken from the input whatever they return (the API server does the same).
 */
export interface SpokeConversion<Spoke, Hub> {
  toHub(object: Spoke): Converted<Hub>;
  fromHub(object: Hub): Converted<Spoke>;
}

export interface ConverterOptions {
  group: string;
  kind: string;
  hub: string;
  /** Every version but the hub. */
  spokes: Readonly<Record<string, SpokeConversion<KubernetesObject, KubernetesObject>>>;
}

export interface Converter {
  readonly hub: string;
  readonly versions: readonly string[];
  /** Converts `object` (at any of the versions) to `apiVersion`, e.g. `example.operon.dev/v1`. */
  convert(object: KubernetesObject, apiVersion: string): KubernetesObject;
}

type JsonObject = { [key: string]: JsonValue };
type Meta = { annotations?: Record<string, string>; [key: string]: unknown };

function conversionError(message: string, cause?: unknown): OperonError {
  return new OperonError(ErrorCode.InvalidArgument, message, cause === undefined ? {} : { cause });
}

/** The object without what conversion must not touch: apiVersion, kind, metadata. */
function body(o: JsonObject): JsonObject {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  return rest;
}

/** Builds the converter of one resource. Checks that every version but the hub has both functions. */
export function createConverter(options: ConverterOptions): Converter {
  const { group, kind, hub } = options;
  const versions = [hub, ...Object.keys(options.spokes)];
  for (const [v, s] of Object.entries(options.spokes)) {
    if (v === hub) throw conversionError(`${kind} conversion: the hub ${hub} must not also be a spoke.`);
    if (typeof s?.toHub !== 'function' || typeof s.fromHub !== 'function') {
      throw conversionError(`${kind} conversion: version ${v} needs both toHub and fromHub functions.`);
    }
  }
  const apiVersionOf = (v: string) => `${group}/${v}`;

  /** Runs a user function on a JSON copy and checks its result keeps the identity the API server checks. */
  const run = (
    fn: (o: KubernetesObject) => Converted<KubernetesObject>,
    input: JsonObject,
    to: string,
    what: string,
  ): JsonObject => {
    let out: JsonObject;
    try {
      const result = fn(structuredClone(input) as KubernetesObject);
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        throw conversionError(`${what} returned ${result === null ? 'null' : typeof result}, not an object`);
      }
      out = toJson(result, `the result of ${what}`) as JsonObject;
    } catch (cause) {
      throw conversionError(`${kind} ${what} failed: ${(cause as Error)?.message ?? String(cause)}`, cause);
    }
    // Identity and metadata come from the input: the API server restores metadata but labels and
    // annotations from the original anyway, and rejects a changed kind.
    const metadata = (out.metadata as JsonObject | undefined) ?? {};
    const inMeta = (input.metadata as JsonObject | undefined) ?? {};
    return {
      ...out,
      apiVersion: apiVersionOf(to),
      kind,
      metadata: {
        ...inMeta,
        ...(metadata.labels !== undefined ? { labels: metadata.labels } : {}),
        ...(metadata.annotations !== undefined ? { annotations: metadata.annotations } : {}),
      },
    };
  };

  const withAnnotation = (o: JsonObject, value: string | undefined): JsonObject => {
    const meta = { ...((o.metadata as Meta | undefined) ?? {}) };
    if (value === undefined && meta.annotations?.[CONVERSION_ANNOTATION] === undefined) return o;
    const annotations = { ...(meta.annotations ?? {}) };
    if (value === undefined) delete annotations[CONVERSION_ANNOTATION];
    else annotations[CONVERSION_ANNOTATION] = value;
    if (Object.keys(annotations).length > 0) meta.annotations = annotations;
    else delete meta.annotations;
    return { ...o, metadata: meta as JsonObject };
  };

  const toHub = (version: string, o: JsonObject): JsonObject => {
    const spoke = options.spokes[version]!;
    const stored = (o.metadata as Meta | undefined)?.annotations?.[CONVERSION_ANNOTATION];
    const clean = withAnnotation(o, undefined);
    let h = run(spoke.toHub, clean, hub, `${version} toHub`);
    if (stored !== undefined) {
      let ops: JsonPatchOperation[];
      try {
        ops = JSON.parse(stored) as JsonPatchOperation[];
        if (!Array.isArray(ops)) throw new Error('not an array');
      } catch (cause) {
        throw conversionError(
          `${kind} ${version} → ${hub}: the ${CONVERSION_ANNOTATION} annotation is not a JSON Patch; remove it or restore it.`,
          cause,
        );
      }
      // Fields the spoke cannot hold come back; where the spoke was edited since, what it holds wins.
      const restored = applyPatch(body(h), ops, { lenient: true }) as JsonObject;
      // An edited annotation may restore body fields, never apiVersion, kind or metadata.
      h = { apiVersion: h.apiVersion!, kind: h.kind!, metadata: h.metadata!, ...body(restored) };
    }
    return h;
  };

  const fromHub = (version: string, h: JsonObject): JsonObject => {
    const spoke = options.spokes[version]!;
    const cleanHub = withAnnotation(h, undefined);
    const s = run(spoke.fromHub, cleanHub, version, `${version} fromHub`);
    const back = run(spoke.toHub, s, hub, `${version} toHub`);
    const lost = createPatch(body(back), body(cleanHub));
    return withAnnotation(s, lost.length > 0 ? JSON.stringify(lost) : undefined);
  };

  return {
    hub,
    versions,
    convert(object, apiVersion) {
      const o = toJson(object, `the ${kind}`) as JsonObject;
      const from = typeof o.apiVersion === 'string' ? o.apiVersion : '';
      const name = (o.metadata as Meta | undefined)?.name;
      const at = `${kind}${name ? ` ${String(name)}` : ''}`;
      if (o.kind !== kind)
        throw conversionError(`Cannot convert a ${String(o.kind)} with the ${kind} converter.`);
      const fromVersion = from.startsWith(`${group}/`) ? from.slice(group.length + 1) : undefined;
      const toVersion = apiVersion.startsWith(`${group}/`) ? apiVersion.slice(group.length + 1) : undefined;
      if (fromVersion === undefined || !versions.includes(fromVersion)) {
        throw conversionError(
          `${at}: apiVersion "${from}" is not one of ${versions.map(apiVersionOf).join(', ')}.`,
        );
      }
      if (toVersion === undefined || !versions.includes(toVersion)) {
        throw conversionError(
          `${at}: cannot convert to "${apiVersion}"; known: ${versions.map(apiVersionOf).join(', ')}.`,
        );
      }
      if (fromVersion === toVersion) return o as KubernetesObject;
      const h = fromVersion === hub ? withAnnotation(o, undefined) : toHub(fromVersion, o);
      return (toVersion === hub ? h : fromHub(toVersion, h)) as KubernetesObject;
    },
  };
}

/** apiextensions.k8s.io/v1 ConversionRequest. */
export interface ConversionRequest extends ReviewRequest {
  desiredAPIVersion: string;
  objects: unknown[];
}

/** apiextensions.k8s.io/v1 ConversionResponse. */
export interface ConversionResponse {
  uid: string;
  convertedObjects: unknown[];
  result: { status: 'Success' } | { status: 'Failure'; message: string };
}

/** The ConversionReview route of one resource's converter. */
export function conversionRoute(path: string, converter: Converter, timeoutSeconds = 30): ReviewRoute {
  const fail = (request: ReviewRequest, message: string): ConversionResponse => ({
    uid: request.uid,
    convertedObjects: [],
    result: { status: 'Failure', message },
  });
  return {
    path,
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    defaultTimeoutSeconds: timeoutSeconds,
    fail,
    handle(raw, { signal }): ConversionResponse {
      const request = raw as ConversionRequest;
      if (typeof request.desiredAPIVersion !== 'string' || !Array.isArray(request.objects)) {
        return fail(request, 'the ConversionReview request needs desiredAPIVersion and objects');
      }
      const convertedObjects: unknown[] = [];
      for (const [i, object] of request.objects.entries()) {
        signal.throwIfAborted();
        try {
          convertedObjects.push(converter.convert(object as KubernetesObject, request.desiredAPIVersion));
        } catch (err) {
          return fail(request, `object ${i}: ${(err as Error).message}`);
        }
      }
      return { uid: request.uid, convertedObjects, result: { status: 'Success' } };
    },
  };
}
