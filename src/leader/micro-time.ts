/** Kubernetes MicroTime: `formatMicroTime()` writes a time as Lease times are stored, RFC 3339 in UTC with exactly six fractional digits. */

import { ErrorCode, OperonError } from '../errors.ts';

/** Formats epoch milliseconds (fractions of a millisecond count) as `2026-11-30T16:00:00.123456Z`. */
export function formatMicroTime(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs < 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `formatMicroTime(${epochMs}): pass epoch milliseconds, a finite number >= 0.`,
    );
  }
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}
