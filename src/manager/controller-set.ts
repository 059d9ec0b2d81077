/**
 * The manager's controllers as a set that changes while it runs: `createControllerSet()` keeps one
 * slot per controller. A slot waits while one of its kinds (primary, owned or watched) is not served
 * (`waiting for CRD <plural>.<group>`), hooks into the cache once all are, and starts its workers
 * once those informers synced and this process leads. When a CRD it needs goes away, the slot stops
 * its workers (within the grace period), drops that kind's informers and waits again. Controllers
 * may be added after the manager started.
 */

import type { Cache } from '../cache/cache.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import {
  type ControllerDefinition,
  type ControllerObserver,
  type ControllerRuntime,
  prepareController,
  type RunningController,
} from '../controller/controller.ts';
import { ownedResource } from '../controller/owner.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { QueueMetrics } from '../queue/index.ts';
import { controllerRunnable } from './controller-runnable.ts';
import { crdNameOf, type KindTracker } from './kinds.ts';
import { aborted, type Runnable } from './runnable.ts';

/**
 * Where a controller is: `starting` (kinds not yet checked), `waiting` for a CRD, `syncing` its
 * informers, `ready` (its workers run while this process leads), `stopped` (the manager stopped).
 */
export type ControllerState = 'starting' | 'waiting' | 'syncing' | 'ready' | 'stopped';

interface Activation {
  running: RunningController;
  /** Aborts when the slot must stop this activation (a CRD went away, or shutdown). */
  stop: AbortController;
  synced: boolean;
  /** Settles once its workers have stopped (set while a leader runs it). */
  led?: Promise<void>;
}

export interface ControllerSlot {
  readonly name: string;
  readonly definition: ControllerDefinition<KubernetesObject>;
  readonly state: ControllerState;
  /** The CRDs it waits for (empty unless `waiting`). */
  readonly waitingFor: readonly string[];
  /** The running controller while it is syncing or ready. */
  readonly running: RunningController | undefined;
}

export interface ControllerSetOptions {
  cache: Cache;
  kinds: KindTracker;
  log: Logger;
  /** What each controller is prepared with, besides cache, log, observer and queue metrics. */
  runtime: Omit<ControllerRuntime, 'cache' | 'log' | 'observer' | 'queueMetrics'>;
  observerFor(def: ControllerDefinition<KubernetesObject>): ControllerObserver;
  queueMetrics(name: string): QueueMetrics;
  /** Told each time a controller starts or stops waiting (for a gauge). */
  onWaiting?(controller: string, crds: readonly string[], waiting: boolean): void;
}

export interface ControllerSet {
  add(def: ControllerDefinition<KubernetesObject>): void;
  readonly slots: readonly ControllerSlot[];
  /**
   * The Runnable that watches the kinds and hooks controllers into the cache (every replica, in the
   * `caches` group, after the cache): ready once each controller is synced or waiting.
   */
  supervisor(): Runnable;
  /**
   * The `leader-election` group's Runnables: one per controller added so far (`controller <name>`),
   * which runs its workers whenever it is ready while leading, and one for controllers added later.
   */
  leaders(o: { graceMs: number; lost: AbortSignal }): Runnable[];
  /** Whether every controller is synced or waiting for an absent kind. */
  readonly ready: boolean;
}

/** The distinct kinds a controller reads: its primary, owned and watched kinds. */
export function kindsOf(def: ControllerDefinition<KubernetesObject>): ResourceType[] {
  const all: ResourceType[] = [
    def.options.for as ResourceType,
    ...(def.options.owns ?? []).map(ownedResource),
    ...(def.options.watches ?? []).map((w) => w.resource as ResourceType),
  ];
  const seen = new Map<string, ResourceType>();
  for (const t of all) seen.set(`${t.apiVersion}/${t.kind}`, t);
  return [...seen.values()];
}

interface Slot extends ControllerSlot {
  state: ControllerState;
  waitingFor: string[];
  active: Activation | undefined;
  readonly kinds: ResourceType[];
  readonly observer: ControllerObserver;
  readonly queueMetrics: QueueMetrics;
  /** Serialises the slot's transitions. */
  busy: Promise<void>;
  /** Wakes the leader loop when an activation becomes ready. */
  wake: Set<() => void>;
  /** Whether a leader Runnable runs this slot. */
  hasLeader: boolean;
}

export function createControllerSet(options: ControllerSetOptions): ControllerSet {
  const { cache, kinds, log } = options;
  const slots: Slot[] = [];
  let supervising: AbortSignal | undefined;
  let leading:
    | { signal: AbortSignal; graceMs: number; lost: AbortSignal; runs: Set<Promise<void>> }
    | undefined;
  let initialDone = false;
  /** CRD events are acted on only once the CRD informer has listed (before, every CRD looks absent). */
  let tracking = false;

  function makeSlot(def: ControllerDefinition<KubernetesObject>): Slot {
    return {
      name: def.name,
      definition: def,
      state: 'starting',
      waitingFor: [],
      active: undefined,
      get running() {
        return this.active?.running;
      },
      kinds: kindsOf(def),
      observer: options.observerFor(def),
      queueMetrics: options.queueMetrics(def.name),
      busy: Promise.resolve(),
      wake: new Set(),
      hasLeader: false,
    };
  }

  const wakeAll = (slot: Slot) => {
    for (const w of [...slot.wake]) w();
  };

  /** Queues a transition of `slot` towards what the kinds say now. */
  function evaluate(slot: Slot): Promise<void> {
    slot.busy = slot.busy
      .then(() => step(slot))
      .catch((err: unknown) => {
        log.error('controller could not change state', { controller: slot.name, err });
      });
    return slot.busy;
  }

  async function step(slot: Slot): Promise<void> {
    const signal = supervising;
    if (!signal || signal.aborted) return;
    // Until the CRD watch has listed, every CRD looks absent: decide nothing yet.
    if (!kinds.knows(slot.kinds)) return;
    const missing = kinds.missing(slot.kinds);
    if (missing.length > 0) {
      if (slot.active) await deactivate(slot, missing);
      if (slot.state !== 'waiting' || slot.waitingFor.join() !== missing.join()) {
        if (slot.waitingFor.length > 0) options.onWaiting?.(slot.name, slot.waitingFor, false);
        slot.state = 'waiting';
        slot.waitingFor = missing;
        options.onWaiting?.(slot.name, missing, true);
        log.info(`waiting for CRD ${missing.join(', ')}`, { controller: slot.name, crds: missing });
      }
      return;
    }
    if (slot.active) return;
    if (slot.waitingFor.length > 0) {
      options.onWaiting?.(slot.name, slot.waitingFor, false);
      log.info('CRDs served; starting the controller', { controller: slot.name, crds: slot.waitingFor });
    }
    slot.waitingFor = [];
    slot.state = 'syncing';
    // Hooking in makes the informers; the cache runs them at once.
    const running = prepareController(slot.definition, {
      ...options.runtime,
      cache,
      log,
      observer: slot.observer,
      queueMetrics: slot.queueMetrics,
    });
    const activation: Activation = { running, stop: new AbortController(), synced: false };
    slot.active = activation;
    // Synced in the background: a kind that goes away meanwhile must not hold the slot.
    const until = AbortSignal.any([signal, activation.stop.signal]);
    void Promise.all(slot.kinds.map((t) => cache.informerFor(t).waitForSync(until))).then(
      () => {
        if (until.aborted) return;
        activation.synced = true;
        slot.state = 'ready';
        wakeAll(slot);
      },
      () => {},
    );
  }

  /** Stops the slot's workers and drops the informers of the kinds that went away. */
  async function deactivate(slot: Slot, missing: readonly string[]): Promise<void> {
    const activation = slot.active!;
    log.info('CRD no longer served; stopping the controller', { controller: slot.name, crds: missing });
    activation.stop.abort(
      new OperonError(
        ErrorCode.Stopped,
        `controller ${slot.name} stopped: CRD ${missing.join(', ')} is no longer served`,
      ),
    );
    wakeAll(slot);
    if (activation.led) await activation.led;
    else {
      activation.running.abort();
      await activation.running.done;
    }
    slot.active = undefined;
    const gone = slot.kinds.filter((t) => missing.includes(crdNameOf(t)));
    await Promise.all(gone.map((t) => cache.forget(t)));
  }

  /** Runs the slot's activations while `signal` (leadership) lasts. */
  async function lead(slot: Slot, signal: AbortSignal, o: { graceMs: number; lost: AbortSignal }) {
    while (!signal.aborted) {
      const activation = slot.active;
      if (activation?.synced && !activation.stop.signal.aborted && !activation.led) {
        const stopSignal = AbortSignal.any([signal, activation.stop.signal]);
        activation.led = controllerRunnable(activation.running, o).start(stopSignal);
        await activation.led;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          slot.wake.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        slot.wake.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  const set: ControllerSet = {
    add(def) {
      const slot = makeSlot(def);
      slots.push(slot);
      if (supervising && !supervising.aborted) {
        const signal = supervising;
        void kinds
          .track(slot.kinds, signal)
          .then(() => evaluate(slot))
          .catch(() => {});
      }
      if (leading && !leading.signal.aborted) {
        slot.hasLeader = true;
        leading.runs.add(lead(slot, leading.signal, leading));
      }
    },
    get slots() {
      return slots;
    },
    get ready() {
      return initialDone && slots.every((s) => s.state === 'waiting' || s.state === 'ready');
    },

    supervisor() {
      let initial: (() => void) | undefined;
      let failed: ((err: unknown) => void) | undefined;
      const isInitial = new Promise<void>((resolve, reject) => {
        initial = resolve;
        failed = reject;
      });
      isInitial.catch(() => {});
      return {
        name: 'controllers',
        async start(signal) {
          supervising = signal;
          const off = kinds.onChange(() => {
            if (tracking) for (const slot of slots) void evaluate(slot);
          });
          try {
            await kinds.track(
              slots.flatMap((s) => s.kinds),
              signal,
            );
            tracking = true;
            await Promise.all(slots.map((s) => evaluate(s)));
            initialDone = true;
            initial?.();
          } catch (err) {
            failed?.(err);
            if (!signal.aborted) throw err;
          }
          await aborted(signal);
          off();
          // Workers stopped with the leader group; what was never led is halted here.
          await Promise.all(slots.map((s) => s.busy));
          for (const slot of slots) {
            if (slot.active && !slot.active.led) slot.active.running.abort();
            slot.state = 'stopped';
          }
        },
        async ready(signal) {
          await Promise.race([isInitial, aborted(signal).then(() => Promise.reject(signal.reason))]);
          await cache.waitForSync(signal);
        },
      };
    },

    leaders(o) {
      const own = slots.map((slot): Runnable => {
        slot.hasLeader = true;
        return { name: `controller ${slot.name}`, start: (signal) => lead(slot, signal, o) };
      });
      const later: Runnable = {
        name: 'controllers added later',
        async start(signal) {
          const runs = new Set<Promise<void>>();
          leading = { signal, ...o, runs };
          for (const slot of slots) {
            if (slot.hasLeader) continue;
            slot.hasLeader = true;
            runs.add(lead(slot, signal, o));
          }
          await aborted(signal);
          await Promise.all(runs);
        },
      };
      return [...own, later];
    },
  };

  return set;
}
