/** Kubernetes Events: `createEventRecorder()` writes events.k8s.io/v1 Events about objects in the background, folding repeats into series and rate limiting each object, as client-go's events recorder. */

export {
  buildEvent,
  type EventInput,
  eventName,
  microTime,
  NOTE_LIMIT_BYTES,
  objectReference,
  truncateNote,
} from './event.ts';
export {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type EventRecorderStats,
  type EventSink,
  MAX_QUEUED_EVENTS,
  SERIES_HEARTBEAT_MS,
  SERIES_WINDOW_MS,
} from './recorder.ts';
