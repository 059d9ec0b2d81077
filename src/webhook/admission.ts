/**
 * Admission, typed from the resource: a `validate` handler answers `Admission.allow()` or
 * `Admission.deny(message, { field })`, a `default` handler mutates a copy of the object, and
 * `admissionRoute()` turns either into an AdmissionReview v1 route whose JSON Patch Operon computes.
 */

import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { createPatch, type JsonPatchOperation, type JsonValue, toJson } from './json-patch.ts';
import type { ReviewContext, ReviewRequest, ReviewRoute } from './server.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Who made the request, as the API server authenticated them. */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** admission.k8s.io/v1 AdmissionRequest. */
export interface AdmissionRequest extends ReviewRequest {
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind?: { group: string; version: string; kind: string };
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
}

/** metav1.Status as an admission response carries it. */
export interface AdmissionStatus {
  code: number;
  reason?: string;
  message: string;
  details?: { causes?: Array<{ field?: string; message: string; reason?: string }> };
}

/** admission.k8s.io/v1 AdmissionResponse. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** What a validating handler decides. Build it with `Admission.allow()` / `Admission.deny()`. */
export type ValidationResult =
  | { readonly allowed: true; readonly warnings?: readonly string[] }
  | {
      readonly allowed: false;
      readonly message: string;
      /** The field at fault, e.g. `spec.image`: shown before the message, and as the status cause. */
      readonly field?: string;
      /**
       * HTTP code of the denial, 400–599; default (and for anything else) 403 (Forbidden). 422 (Invalid) makes kubectl print only the
       * field causes, without the webhook's name, so the default keeps 403 even with a field.
       */
      readonly code?: number;
      readonly warnings?: readonly string[];
    };

/** The named constructors of a `ValidationResult`. */
export const Admission = {
  /** Admits the request, optionally with warnings kubectl prints (keep each under 120 characters). */
  allow(warnings?: readonly string[]): ValidationResult {
    return warnings?.length ? { allowed: true, warnings } : { allowed: true };
  },
  /** Denies the request; the API server shows `admission webhook "<name>" denied the request: <field>: <message>`. */
  deny(
    message: string,
    options: { field?: string; code?: number; warnings?: readonly string[] } = {},
  ): ValidationResult {
    return { allowed: false, message, ...options };
  },
} as const;

/** What a handler knows about the request besides the object. */
export interface AdmissionContext<T> {
  operation: Operation;
  /** The object before an UPDATE or DELETE; undefined for CREATE. */
  oldObject: T | undefined;
  userInfo: UserInfo;
  /** The request will not be persisted: side effects must not happen. */
  dryRun: boolean;
  /** Aborts at the webhook's timeoutSeconds, when the API server hangs up, or at shutdown. */
  signal: AbortSignal;
  /** The raw AdmissionRequest, for what the typed fields do not cover (`subResource`, `options`). */
  request: AdmissionRequest;
  /** The operator's client, for lookups (a ConfigMap, another object); undefined when none was given. */
  client: Client | undefined;
  log: ReviewContext['log'];
}

/**
 * Validates an object. For DELETE, `object` is the object being deleted (the request's
 * `oldObject`). Returning nothing allows; throwing denies with a 500 and the error's message.
 */
export type Validator<T> = (
  object: T,
  ctx: AdmissionContext<T>,
) => ValidationResult | undefined | Promise<ValidationResult | undefined>;

/**
 * Defaults an object: mutate `object` (a copy, yours to change) or return a new one. Operon
 * computes the JSON Patch from the difference. Runs for CREATE and UPDATE; keep it idempotent
 * (the API server may call it again after other mutating webhooks).
 */
export type Defaulter<T> = (
  object: T,
  ctx: AdmissionContext<T>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a defaulter that only mutates returns nothing
) => T | undefined | void | Promise<T | undefined | void>;

export interface AdmissionRouteOptions<T> {
  path: string;
  /** The webhook's name, for messages. */
  name: string;
  mode: 'validate' | 'default';
  handler: Validator<T> | Defaulter<T>;
  /** Operations the handler runs for; others are allowed untouched. */
  operations: readonly Operation[];
  timeoutSeconds: number;
  /** Passed to handlers as `ctx.client`. */
  client?: Client | undefined;
}

/** A string for any value, even one whose toString throws: the API server decodes only strings. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The Status of a denial, always one the API server can decode: with failurePolicy Ignore, an
 * answer it cannot decode (a code that is not an int32, a message that is not a string) admits.
 */
function deniedStatus(result: Extract<ValidationResult, { allowed: false }>): AdmissionStatus {
  const code =
    Number.isInteger(result.code) && result.code! >= 400 && result.code! <= 599 ? result.code! : 403;
  const message = text(result.message);
  const field = result.field === undefined || result.field === '' ? undefined : text(result.field);
  return {
    code,
    reason:
      code === 422 ? 'Invalid' : code === 403 ? 'Forbidden' : code >= 500 ? 'InternalError' : 'BadRequest',
    message: field ? `${field}: ${message}` : message,
    ...(field ? { details: { causes: [{ field, message, reason: 'FieldValueInvalid' }] } } : {}),
  };
}

function isResult(v: unknown): v is ValidationResult {
  return typeof v === 'object' && v !== null && typeof (v as { allowed?: unknown }).allowed === 'boolean';
}

/** Warnings as the API server keeps them: strings, deduplicated, in order. */
function cleanWarnings(warnings: unknown): string[] | undefined {
  const list = Array.isArray(warnings)
    ? warnings
    : warnings === undefined || warnings === null
      ? []
      : [warnings];
  if (list.length === 0) return undefined;
  const out = [...new Set(list.map(text).filter((w) => w.length > 0))];
  return out.length ? out : undefined;
}

/** The AdmissionReview route of one handler. */
export function admissionRoute<T extends KubernetesObject>(options: AdmissionRouteOptions<T>): ReviewRoute {
  const fail = (request: ReviewRequest, message: string, code: number): AdmissionResponse => ({
    uid: request.uid,
    allowed: false,
    status: {
      code,
      reason: code === 504 ? 'Timeout' : 'InternalError',
      message: `${options.name}: ${message}`,
    },
  });
  return {
    path: options.path,
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    defaultTimeoutSeconds: options.timeoutSeconds,
    fail,
    async handle(raw, { signal, log }): Promise<AdmissionResponse> {
      const request = raw as AdmissionRequest;
      const uid = request.uid;
      if (!options.operations.includes(request.operation)) return { uid, allowed: true };
      const object = (request.operation === 'DELETE' ? request.oldObject : request.object) as T | undefined;
      if (typeof object !== 'object' || object === null) {
        return fail(request, `the ${request.operation} request has no object to ${options.mode}`, 400);
      }
      const ctx: AdmissionContext<T> = {
        operation: request.operation,
        oldObject: (request.operation === 'CREATE' ? undefined : (request.oldObject ?? undefined)) as
          | T
          | undefined,
        userInfo: request.userInfo ?? {},
        dryRun: request.dryRun === true,
        signal,
        request,
        client: options.client,
        log,
      };
      if (options.mode === 'validate') {
        const result = await (options.handler as Validator<T>)(structuredClone(object), ctx);
        if (result === undefined) return { uid, allowed: true };
        if (!isResult(result)) {
          return fail(
            request,
            'the validate handler must return Admission.allow(), Admission.deny() or nothing',
            500,
          );
        }
        const warnings = cleanWarnings(result.warnings);
        if (result.allowed) return { uid, allowed: true, ...(warnings ? { warnings } : {}) };
        return { uid, allowed: false, status: deniedStatus(result), ...(warnings ? { warnings } : {}) };
      }
      const original = toJson(object, 'the object');
      const copy = structuredClone(original) as unknown as T;
      const returned = await (options.handler as Defaulter<T>)(copy, ctx);
      const defaulted = toJson(returned ?? copy, 'the defaulted object');
      // A patch of the root would replace the object with a string or an array: refuse it here.
      if (typeof defaulted !== 'object' || defaulted === null || Array.isArray(defaulted)) {
        return fail(
          request,
          `the default handler must return the object, a copy of it, or nothing; it returned ${Array.isArray(defaulted) ? 'an array' : typeof defaulted}`,
          500,
        );
      }
      const ops = createPatch(original, defaulted);
      if (ops.length === 0) return { uid, allowed: true };
      return { uid, allowed: true, patchType: 'JSONPatch', patch: encodePatch(ops) };
    },
  };
}

/** A patch as an AdmissionResponse carries it: base64 of the JSON. */
export function encodePatch(ops: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops)).toString('base64');
}

/** The patch of an AdmissionResponse, decoded (for tests). */
export function decodePatch(patch: string): JsonPatchOperation[] {
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as JsonPatchOperation[];
}

export type { JsonValue };
