/**
 * Watching a resource as an AsyncIterable of events that never ends by itself: `watch()` lists,
 * watches, resumes after disconnects, relists after 410 Gone and backs off on errors.
 */

export { type BackoffOptions, type WatchEvent, type WatchOptions, watch } from './watch.ts';
