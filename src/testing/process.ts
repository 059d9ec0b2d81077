/**
 * One control-plane component as an operating-system process: `startProcess()` runs it in its own
 * process group with output in a log file; `stop()` sends SIGTERM to the group, then SIGKILL.
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { guardProcessGroup, releaseProcessGroup } from './guardian.ts';

export interface ProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process if this Node process dies (tests). False for a persistent cluster. Default true. */
  guard?: boolean;
}

export interface ComponentProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Whether it is still running. */
  running(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs` (default 20 s). Resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `command` in a new process group, stdout and stderr appended to `logFile`. */
export function startProcess(options: ProcessOptions): ComponentProcess {
  const fd = openSync(options.logFile, 'a');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(options.command, options.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${options.name} (${options.command})`);
  }
  const guarded = options.guard ?? true;
  if (guarded) guardProcessGroup(pid);
  let alive = true;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.on('exit', (code, signal) => {
      alive = false;
      // The group may still hold children of the component; make sure none outlive it.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
      if (guarded) releaseProcessGroup(pid);
      resolve(code ?? signal ?? 0);
    });
  });
  child.on('error', () => undefined);
  child.unref();

  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    running: () => alive,
    async stop(graceMs = 20_000) {
      if (!alive) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {}
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {}
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
}

/** The last `lines` lines of a log file, for error messages. */
export async function logTail(path: string, lines = 30): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

/** Whether a process with this pid exists. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
