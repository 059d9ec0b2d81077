/**
 * An operator in a child process, for tests that kill, stop or starve it: `spawnOperator()` runs a
 * script with Node's source condition and a heap cap, keeps the last part of its output, and
 * resolves `exited` with its exit code. `killAll()` ends every one still running (call it in
 * `after`).
 */

import { type ChildProcess, spawn } from 'node:child_process';

/**
 * The operator's old-space limit: a runaway (a loop that allocates without bound) then fails the
 * test with V8's out-of-memory report on stderr and a non-zero exit, instead of exhausting the
 * machine the other tests share.
 */
export const OPERATOR_HEAP_LIMIT_MB = 1024;
/** How much of each output stream is kept: enough for every assertion, bounded for a chatty child. */
const KEEP_CHARS = 1 << 20;

export interface OperatorProcess {
  child: ChildProcess;
  /** The exit code; null when a signal ended it. */
  exited: Promise<number | null>;
  /** The last MiB of stderr (the operator's logs). */
  stderr(): string;
  /** The last MiB of stdout. */
  stdout(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first, with its logs. */
  printed(text: string): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * The environment of an operator under test: scoped to `namespace` (where its Lease goes too),
 * leader election with short timings (a 4 s Lease, renewed within 3 s, retried every 500 ms), and
 * metrics and probes on free loopback ports; `extra` adds or overrides variables.
 */
export function operatorEnv(
  kubeconfig: string,
  namespace: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KUBECONFIG: kubeconfig,
    WATCH_NAMESPACE: namespace,
    POD_NAMESPACE: namespace,
    OPERON_LEADER_ELECTION: 'true',
    OPERON_LEASE_DURATION_MS: '4000',
    OPERON_RENEW_DEADLINE_MS: '3000',
    OPERON_RETRY_PERIOD_MS: '500',
    OPERON_METRICS_ADDRESS: '127.0.0.1:0',
    OPERON_HEALTH_ADDRESS: '127.0.0.1:0',
    ...extra,
  };
}

export function spawnOperator(
  script: string,
  env: Record<string, string | undefined>,
  options: { stdout?: boolean; args?: readonly string[] } = {},
): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${OPERATOR_HEAP_LIMIT_MB}`,
      '--conditions=operon:source',
      script,
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', options.stdout === false ? 'ignore' : 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  running.add(child);
  let stderr = '';
  let stdout = '';
  const keep = (buffer: string, d: Buffer) => {
    const next = buffer + d.toString();
    return next.length > KEEP_CHARS ? next.slice(-KEEP_CHARS) : next;
  };
  child.stderr!.on('data', (d: Buffer) => {
    stderr = keep(stderr, d);
  });
  const waiting = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    stdout = keep(stdout, d);
    for (const check of waiting) check();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stdout.includes(text)) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
      void exited.then((code) => {
        waiting.delete(check);
        reject(
          new Error(`exited (${code}) before printing ${JSON.stringify(text)}:\n${stderr.slice(-2000)}`),
        );
      });
    });
  return { child, exited, stderr: () => stderr, stdout: () => stdout, printed };
}

/** SIGKILLs every operator process still running. */
export function killAll(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
