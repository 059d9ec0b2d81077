/**
 * Shared pieces of the CLI: usage errors, option parsing and progress lines.
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { InstallProgress } from '../testing/binaries.ts';

/** Bad command-line input: printed with a hint to `operon help`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArgs that turns its errors into UsageErrors. */
export function parse<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Prints build progress on stderr, one line per event, so logs of CI runs show it too. */
export function printProgress(p: InstallProgress): void {
  const what = p.state === 'start' ? 'start' : p.state === 'tick' ? 'still' : 'done ';
  const detail = p.detail ? ` (${p.detail})` : '';
  process.stderr.write(
    `[operon ${formatDuration(p.totalMs).padStart(6)}] ${what} ${p.phase}${p.state === 'start' ? '' : ` after ${formatDuration(p.elapsedMs)}`}${detail}\n`,
  );
}
