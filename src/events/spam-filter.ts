/** A per-object limit on events, as client-go's spam filter: `createSpamFilter()` keeps a token bucket for each object. */

export interface SpamFilterOptions {
  /** Events an object may have in a burst. Default 25. */
  burst?: number;
  /** Milliseconds to earn one more event back. Default 5 minutes. */
  refillMs?: number;
  /** Objects remembered; beyond this the least recently seen is forgotten (and starts with a full bucket). Default 4096. */
  maxObjects?: number;
}

export interface SpamFilter {
  /** Whether the object `key` may have an event at `now` (milliseconds); takes a token if so. */
  allow(key: string, now: number): boolean;
  /** How many objects are tracked. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last computed. */
  at: number;
}

/** Creates a filter with a token bucket per object: `burst` events at once, then one per `refillMs`. */
export function createSpamFilter(options: SpamFilterOptions = {}): SpamFilter {
  const burst = options.burst ?? 25;
  const refillMs = options.refillMs ?? 5 * 60_000;
  const maxObjects = options.maxObjects ?? 4096;
  // A Map iterates in insertion order; re-inserting on use makes the first entry the least recently used.
  const buckets = new Map<string, Bucket>();

  return {
    allow(key, now) {
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, at: now };
      } else {
        buckets.delete(key);
        const earned = Math.max(0, now - bucket.at) / refillMs;
        bucket.tokens = Math.min(burst, bucket.tokens + earned);
        bucket.at = now;
      }
      buckets.set(key, bucket);
      if (buckets.size > maxObjects) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    get size() {
      return buckets.size;
    },
  };
}
