/**
 * Exec credential plugins: `runExecPlugin()` runs the command a kubeconfig user names under `exec`
 * (client.authentication.k8s.io/v1 or v1beta1) and returns the credentials it prints.
 */

import { spawn } from 'node:child_process';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Credentials } from './config.ts';

/** The ExecCredential API versions a plugin may speak (v1alpha1 was removed from client-go in 1.24). */
export const execApiVersions: readonly string[] = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
];

/** What a plugin is told about the cluster when its kubeconfig sets `provideClusterInfo: true`. */
export interface ExecClusterInfo {
  server: string;
  /** Base64 of the CA bundle, as in a kubeconfig. */
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  /** The cluster's `client.authentication.k8s.io/exec` extension, passed through untouched. */
  config?: unknown;
}

/** An exec plugin as a kubeconfig user declares it, with relative commands already resolved. */
export interface ExecPlugin {
  command: string;
  args: readonly string[];
  /** Set on top of the process environment. */
  env: ReadonlyArray<{ name: string; value: string }>;
  apiVersion: string;
  installHint?: string;
  /** Present when the kubeconfig sets `provideClusterInfo: true`. */
  cluster?: ExecClusterInfo;
  /** Names the user and kubeconfig in messages, e.g. `user "admin" in /home/u/.kube/config (context "prod")`. */
  owner: string;
}

export interface ExecRunOptions {
  /** The environment the plugin's `env` is merged onto. */
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  timeoutMs: number;
  /**
   * Gets what the plugin wrote to stderr (the last lines), at warn level. Plugins print refresh
   * tokens and login URLs there, so stderr never goes into an error message (which reaches
   * reconcile errors, Events and /status); without `warn` it is dropped.
   */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface ExecResult {
  credentials: Credentials;
  /** Epoch milliseconds of `status.expirationTimestamp`; absent when the credentials do not expire. */
  expiresAt?: number;
}

/** The `KUBERNETES_EXEC_INFO` a plugin receives: never interactive, since an operator has no terminal. */
function execInfo(plugin: ExecPlugin): string {
  return JSON.stringify({
    apiVersion: plugin.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(plugin.cluster ? { cluster: plugin.cluster } : {}) },
  });
}

const stderrKeep = 16 * 1024;

/**
 * Runs the plugin once. Rejects with `signal.reason` when the signal aborts (the plugin is killed),
 * and with an `OperonError` (`AuthFailed`) when it cannot start, fails, times out or prints
 * something that is not an ExecCredential.
 */
export function runExecPlugin(plugin: ExecPlugin, options: ExecRunOptions): Promise<ExecResult> {
  const { signal } = options;
  signal.throwIfAborted();
  const env: NodeJS.ProcessEnv = { ...options.env };
  for (const { name, value } of plugin.env) env[name] = value;
  env.KUBERNETES_EXEC_INFO = execInfo(plugin);

  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(plugin.command, [...plugin.args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let settled = false;

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > stderrKeep * 2) stderr = stderr.slice(-stderrKeep);
    });

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      return true;
    };
    const abandon = (err: unknown) => {
      if (!settle()) return;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      reject(err);
    };
    const onAbort = () => abandon(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        abandon(
          authFailed(
            `Exec plugin ${plugin.command} for ${plugin.owner} did not finish within ${options.timeoutMs / 1000} s and was killed. ` +
              'It may be waiting for input, which it cannot get here: run the command yourself to complete any login.',
            true,
          ),
        ),
      options.timeoutMs,
    );

    child.on('error', (err: NodeJS.ErrnoException) => {
      if (!settle()) return;
      reject(startFailure(plugin, err));
    });
    child.on('close', (code, killedBy) => {
      if (!settle()) return;
      if (code !== 0) {
        const how = code === null ? `was killed by ${killedBy}` : `failed with exit code ${code}`;
        const tail = stderrTail(stderr);
        if (tail) {
          options.warn?.('exec credential plugin wrote to stderr', {
            command: plugin.command,
            user: plugin.owner,
            stderr: tail,
          });
        }
        const logged = options.warn ? 'its stderr is in the log (warn level)' : 'its stderr is not kept';
        reject(
          authFailed(
            `Exec plugin ${plugin.command} for ${plugin.owner} ${how}${tail ? ` (${logged})` : ' and wrote nothing to stderr'}. ` +
              'Run the command yourself to see what it needs (often a fresh login).',
            true,
          ),
        );
        return;
      }
      const tail = stderrTail(stderr);
      if (tail) {
        options.warn?.('exec credential plugin wrote to stderr', {
          command: plugin.command,
          user: plugin.owner,
          stderr: tail,
        });
      }
      try {
        resolve(parseExecCredential(Buffer.concat(stdout).toString('utf8'), plugin));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function startFailure(plugin: ExecPlugin, err: NodeJS.ErrnoException): OperonError {
  const hint = plugin.installHint ? `\n\n${plugin.installHint.trim()}` : '';
  if (err.code === 'ENOENT') {
    return authFailed(
      `Exec plugin command ${plugin.command} for ${plugin.owner} was not found. Install it, or fix the user's ` +
        'exec.command (a command without a "/" is looked up on PATH; a relative path is resolved against the ' +
        `kubeconfig's directory).${hint}`,
      false,
      err,
    );
  }
  if (err.code === 'EACCES') {
    return authFailed(
      `Exec plugin command ${plugin.command} for ${plugin.owner} is not executable. Run chmod +x on it, or fix the user's exec.command.${hint}`,
      false,
      err,
    );
  }
  return authFailed(
    `Exec plugin ${plugin.command} for ${plugin.owner} could not be started: ${err.message}.`,
    true,
    err,
  );
}

/** Parses a plugin's stdout as client-go does: the API version must match, `status` must hold a token or a cert and key pair. */
function parseExecCredential(stdout: string, plugin: ExecPlugin): ExecResult {
  const bad = (what: string, cause?: unknown) =>
    authFailed(
      `Exec plugin ${plugin.command} for ${plugin.owner} ${what}. The plugin is broken or is not a Kubernetes credential plugin; ` +
        'run it yourself to inspect its output.',
      false,
      cause,
    );
  let out: unknown;
  try {
    out = JSON.parse(stdout);
  } catch (err) {
    // V8's message quotes the start of the output, which may be a bare token: keep only where it broke.
    const at = /position \d+/.exec((err as Error).message)?.[0];
    throw bad(
      stdout.trim() === ''
        ? 'exited successfully but printed nothing'
        : 'printed output that is not JSON (expected an ExecCredential)',
      new SyntaxError(
        `The plugin's stdout is not valid JSON${at ? ` (at ${at})` : ''}; it is not quoted here.`,
      ),
    );
  }
  if (!isObject(out) || out.kind !== 'ExecCredential') {
    throw bad('printed JSON that is not an ExecCredential (its kind must be "ExecCredential")');
  }
  if (out.apiVersion !== plugin.apiVersion) {
    throw authFailed(
      `Exec plugin ${plugin.command} for ${plugin.owner} is configured for API version ${plugin.apiVersion} but returned ` +
        `${JSON.stringify(out.apiVersion)}. Set the user's exec.apiVersion to the version the plugin speaks.`,
      false,
    );
  }
  const status = out.status;
  if (!isObject(status)) throw bad('returned an ExecCredential without a status');
  const field = (name: string): string | undefined => {
    const value = status[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw bad(`returned a non-string status.${name}`);
    return value;
  };
  const token = field('token');
  const cert = field('clientCertificateData');
  const key = field('clientKeyData');
  if (token === undefined && cert === undefined && key === undefined) {
    throw bad('returned neither a token nor a client certificate and key');
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw bad('returned only one of clientCertificateData and clientKeyData; both are needed');
  }
  const credentials: Credentials = Object.freeze({
    ...(token !== undefined ? { token } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  });
  const expiration = field('expirationTimestamp');
  if (expiration === undefined) return { credentials };
  const expiresAt = Date.parse(expiration);
  if (Number.isNaN(expiresAt)) {
    throw bad(
      `returned status.expirationTimestamp ${JSON.stringify(expiration)}, which is not an RFC 3339 time`,
    );
  }
  return { credentials, expiresAt };
}

/** The last few lines of a plugin's stderr, indented, for the log. */
function stderrTail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-10);
  let tail = lines.join('\n');
  if (tail.length > 2000) tail = `…${tail.slice(-2000)}`;
  return tail
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
    .trimEnd();
}

function authFailed(message: string, retryable: boolean, cause?: unknown): OperonError {
  return new OperonError(ErrorCode.AuthFailed, message, {
    retryable,
    ...(cause === undefined ? {} : { cause }),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
