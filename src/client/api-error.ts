/**
 * Errors from the API server: `ApiError` carries the Kubernetes `Status` (code, reason, message,
 * field causes), and predicates such as `isNotFound()` or `isConflict()` say what happened.
 */

import { ErrorCode, OperonError } from '../errors.ts';
import type { Status, StatusCause } from './types/meta-v1.ts';

/** An error status returned by the API server. Retryable for 429, 5xx and timeouts; a 409 Conflict is retried after a fresh read. */
export class ApiError extends OperonError {
  override name = 'ApiError';
  /** HTTP status code. */
  readonly status: number;
  /** Kubernetes reason: `NotFound`, `Conflict`, `AlreadyExists`, `Invalid`, `Forbidden`, `Gone`, ... */
  readonly reason: string;
  /** Field-level causes (for `Invalid`). */
  readonly causes: readonly StatusCause[];
  /** The whole Status object, when the server sent one. */
  readonly body: Status | undefined;
  /** Seconds the server asked us to wait (Retry-After), if any. */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    status: number;
    reason?: string;
    message: string;
    body?: Status;
    method: string;
    path: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    const reason = options.reason || reasonForStatus(options.status);
    super(
      ErrorCode.ApiError,
      `${options.method} ${options.path}: ${reason} (${options.status}): ${options.message}`,
      {
        cause: options.cause,
        retryable: options.status === 429 || options.status >= 500 || options.status === 409,
      },
    );
    this.status = options.status;
    this.reason = reason;
    this.body = options.body;
    this.causes = options.body?.details?.causes ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

function reasonForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return status >= 500 ? 'InternalError' : 'Unknown';
  }
}

function isApi(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

export const isNotFound = (err: unknown): err is ApiError => isApi(err) && err.status === 404;
/** A write lost an optimistic-concurrency race (stale resourceVersion) or a server-side apply field conflict. */
export const isConflict = (err: unknown): err is ApiError =>
  isApi(err) && err.status === 409 && err.reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): err is ApiError =>
  isApi(err) && err.reason === 'AlreadyExists';
/** The resourceVersion asked for is too old: relist. */
export const isGone = (err: unknown): err is ApiError =>
  isApi(err) && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');
export const isInvalid = (err: unknown): err is ApiError =>
  isApi(err) && (err.status === 422 || err.reason === 'Invalid');
export const isForbidden = (err: unknown): err is ApiError => isApi(err) && err.status === 403;
export const isUnauthorized = (err: unknown): err is ApiError => isApi(err) && err.status === 401;
export const isTooManyRequests = (err: unknown): err is ApiError => isApi(err) && err.status === 429;
