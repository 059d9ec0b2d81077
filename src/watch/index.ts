/**
 * Watching a resource as an AsyncIterable of events that never ends by itself: `watch()` lists,
 * watches, resumes after disconnects, relists after 410 Gone and other persistent errors, and
 * backs off on errors, as client-go's reflector does.
 */

export {
  type BackoffOptions,
  createWatchMachine,
  isTooLargeResourceVersion,
  recoveryFor,
  SILENT_WATCH_MS,
  VERY_SHORT_WATCH_MS,
  type WatchClient,
  type WatchEvent,
  type WatchOptions,
  type WatchRecovery,
  type WatchState,
  type WatchStep,
  watch,
} from './watch.ts';
