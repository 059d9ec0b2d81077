/**
 * The base error of Operon: every error it throws has a stable string `code`, says whether
 * retrying can help, and keeps the underlying `cause`.
 *
 * `retryable` answers one question: may the same operation, repeated unchanged, succeed? The
 * request-level retries read it (the Event recorder), and so does the controller: a retryable
 * error from a reconcile is logged as a warning (transient: the API server was busy, a connection
 * broke), any other as an error. The controller retries both with backoff, because a change in the
 * cluster can fix a non-retryable error too (a Forbidden fixed by RBAC, a NotFound dependency
 * created later, an UnknownKind whose CRD gets installed); only `terminal(err)` stops retries, as
 * controller-runtime's `TerminalError` does.
 */

/** Stable error codes. Callers match on these, never on messages. */
export const ErrorCode = {
  /** A control-plane binary is missing and cannot be built here. Not retryable. */
  BinariesNotFound: 'OPERON_BINARIES_NOT_FOUND',
  /** Building the control-plane binaries failed. Retryable (network, disk). */
  BuildFailed: 'OPERON_BUILD_FAILED',
  /** A cached binary directory is partial or corrupt. Not retryable until reinstalled. */
  CorruptCache: 'OPERON_CORRUPT_CACHE',
  /** A Kubernetes version Operon does not know how to build. Not retryable. */
  UnsupportedVersion: 'OPERON_UNSUPPORTED_VERSION',
  /** An unknown control-plane component name. Not retryable. */
  UnknownComponent: 'OPERON_UNKNOWN_COMPONENT',
  /** A port asked for is already in use. Retryable with another port. */
  PortInUse: 'OPERON_PORT_IN_USE',
  /** A component exited or never became healthy. Retryable. */
  ComponentFailed: 'OPERON_COMPONENT_FAILED',
  /** A manifest (YAML or JSON) that does not parse or is not a Kubernetes object. Not retryable. */
  InvalidManifest: 'OPERON_INVALID_MANIFEST',
  /** The API server answered with an error status. Retryability depends on the status. */
  ApiError: 'OPERON_API_ERROR',
  /** An operation did not finish in time. Retryable. */
  Timeout: 'OPERON_TIMEOUT',
  /** Bad input to a command or function. Not retryable. */
  InvalidArgument: 'OPERON_INVALID_ARGUMENT',
  /** A kubeconfig (or in-cluster configuration) that cannot be used: names the file, context or field. Not retryable. */
  InvalidKubeconfig: 'OPERON_INVALID_KUBECONFIG',
  /** Credentials could not be obtained (exec plugin failed, token file unreadable). Retryable. */
  AuthFailed: 'OPERON_AUTH_FAILED',
  /** The API server could not be reached (connection refused, TLS failure, DNS). Retryable. */
  Unreachable: 'OPERON_UNREACHABLE',
  /** A kind that neither the built-in types nor discovery know. Not retryable. */
  UnknownKind: 'OPERON_UNKNOWN_KIND',
  /** A resource definition or schema a CRD cannot hold; names the field path and the fix. Not retryable. */
  InvalidSchema: 'OPERON_INVALID_SCHEMA',
  /** This process stopped being the leader (lease taken, renewals failed, or stopped). Not retryable in place: campaign again. */
  LeadershipLost: 'OPERON_LEADERSHIP_LOST',
  /** A reconcile error marked with `terminal()`: retrying cannot help. Not retryable. */
  Terminal: 'OPERON_TERMINAL',
  /** A watch's resourceVersion is too old (HTTP 410 Gone); the caller must relist. Retryable by relisting. */
  WatchExpired: 'OPERON_WATCH_EXPIRED',
  /**
   * A reconcile returned something that is not an Action, or threw something that is not an Error
   * (a bug in the reconcile, counted as a panic). Not retryable as such; the key is retried with
   * backoff all the same, in case the reconcile behaves differently next time.
   */
  InvalidOutcome: 'OPERON_INVALID_OUTCOME',
  /** The work was cancelled because its component is stopping (shutdown, lost leadership). Not retryable here. */
  Stopped: 'OPERON_STOPPED',
  /** A watch ended within a second of opening with no event (client-go's very short watch): it backs off and relists. Retryable. */
  VeryShortWatch: 'OPERON_VERY_SHORT_WATCH',
  /** A request on a client after its `close()`: nothing is sent. Not retryable on this client: create a new one. */
  ClientClosed: 'OPERON_CLIENT_CLOSED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The codes whose errors are retryable unless their creator says otherwise (as the table above documents). */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.BuildFailed,
  ErrorCode.PortInUse,
  ErrorCode.ComponentFailed,
  ErrorCode.Timeout,
  ErrorCode.AuthFailed,
  ErrorCode.Unreachable,
  ErrorCode.WatchExpired,
  ErrorCode.VeryShortWatch,
]);

export interface OperonErrorOptions {
  cause?: unknown;
  /** Whether doing the same thing again, unchanged, may succeed; default: what the code's entry in `ErrorCode` says. */
  retryable?: boolean;
}

/** An error raised by Operon. `code` is stable; `message` says what failed and what to do. */
export class OperonError extends Error {
  override name = 'OperonError';
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: OperonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
  }
}

/** Whether `err` is an OperonError, optionally with the given code. Never throws, even for a Proxy. */
export function isOperonError(err: unknown, code?: ErrorCode): err is OperonError {
  try {
    return err instanceof OperonError && (code === undefined || err.code === code);
  } catch {
    return false;
  }
}

/** Whether `err` is an OperonError marked retryable. Never throws. */
export function isRetryable(err: unknown): boolean {
  try {
    return err instanceof OperonError && err.retryable === true;
  } catch {
    return false;
  }
}
