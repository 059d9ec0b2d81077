/** Metrics hooks of the work queue, one callback per standard client-go/controller-runtime workqueue metric. */

/**
 * Callbacks the queue calls as work moves through it; every one is optional. A metrics module binds them
 * to Prometheus series labelled with the queue (controller) name. Durations are in seconds, as Prometheus
 * expects. Callbacks run synchronously inside queue operations, so keep them cheap and never throw.
 */
export interface QueueMetrics {
  /** `workqueue_depth` (gauge): the new number of due keys not yet handed out, after each change. */
  depth?(value: number): void;
  /** `workqueue_adds_total` (counter): a key became due and was not already waiting. */
  add?(): void;
  /** `workqueue_queue_duration_seconds` (histogram): how long a key waited from due to `get()`. */
  queueLatency?(seconds: number): void;
  /** `workqueue_work_duration_seconds` (histogram): from `get()` to `done()`. */
  workDuration?(seconds: number): void;
  /** `workqueue_retries_total` (counter): a delayed or rate-limited add, as client-go counts them. */
  retry?(): void;
  /**
   * `workqueue_unfinished_work_seconds` (gauge): the summed age of all work in progress. Reported every
   * `metricsIntervalMs`; a value that keeps growing means a stuck worker.
   */
  unfinishedWorkSeconds?(seconds: number): void;
  /** `workqueue_longest_running_processor_seconds` (gauge): the age of the oldest work in progress. */
  longestRunningProcessorSeconds?(seconds: number): void;
}
