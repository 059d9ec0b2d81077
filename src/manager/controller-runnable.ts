/**
 * A controller as a Runnable: `controllerRunnable()` starts its workers, and when its signal aborts
 * lets in-flight reconciles finish within the grace period, or aborts them at once when leadership
 * is lost. It resolves only when every worker has stopped.
 */

import type { RunningController } from '../controller/controller.ts';
import { ErrorCode, isOperonError } from '../errors.ts';
import { aborted, type Runnable } from './runnable.ts';

export interface ControllerRunnableOptions {
  /** How long in-flight reconciles may take after the signal aborts; their signal aborts then. */
  graceMs: number;
  /** Aborts when leadership is lost, even in the middle of a graceful stop: reconciles are aborted at once. */
  lost: AbortSignal;
}

export function controllerRunnable(running: RunningController, options: ControllerRunnableOptions): Runnable {
  return {
    name: `controller ${running.name}`,
    async start(signal) {
      // Told to stop before it started (a stop or a loss while the group was starting): no worker
      // starts, or one would take a queued key before the abort below is seen.
      if (!signal.aborted) running.start();
      await aborted(signal);
      // The reconciles' signal carries why: lost leadership (its LeadershipLost error) or the stop.
      const abortNow = () => running.abort(options.lost.aborted ? options.lost.reason : signal.reason);
      if (options.lost.aborted || isOperonError(signal.reason, ErrorCode.LeadershipLost)) {
        abortNow();
        await running.done;
        return;
      }
      options.lost.addEventListener('abort', abortNow, { once: true });
      try {
        // A bounded stop may report `{ clean: false }`: a worker is still busy. Then this
        // Runnable has not stopped either, and the manager's deadline says so.
        const result: unknown = await running.stop(options.graceMs);
        if (result && typeof result === 'object' && (result as { clean?: unknown }).clean === false)
          await running.done;
      } finally {
        options.lost.removeEventListener('abort', abortNow);
      }
    },
  };
}
