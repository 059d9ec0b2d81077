/**
 * The manager's live view of its controllers: `createLiveView()` gives each controller an observer
 * that counts its reconciles into the metrics and keeps its recent reconciles for `/status`.
 */

import type { KubernetesObject } from '../client/resource.ts';
import {
  type ControllerDefinition,
  type ControllerObserver,
  describeReason,
  type Reason,
  type ReconcileResult,
} from '../controller/controller.ts';
import type { Metrics } from '../metrics/index.ts';
import type { ControllerSlot, ControllerState } from './controller-set.ts';

/** One recent reconcile, for the live view. */
export interface ReconcileRecord {
  id: string;
  key: string;
  reasons: string[];
  result: ReconcileResult | 'running';
  seconds?: number;
  error?: string;
  at: string;
}

export interface ControllerStatus {
  name: string;
  kind: string;
  /** `starting`, `waiting` for a CRD, `syncing` its informers, `ready` (workers run while this process leads), `stopped`. */
  state: ControllerState;
  /** While waiting: `waiting for CRD webapps.example.operon.dev` (several are comma-separated). */
  waiting?: string;
  queueDepth: number;
  inFlight: number;
  /**
   * Ready, with no key due and none being reconciled: what is left waits for a timer (a
   * requeueAfter, a backoff) or for an event. A test waits for this before moving a test clock, so
   * that the jump fires the requeue a reconcile just asked for instead of racing it.
   */
  idle: boolean;
  reconciles: number;
  errors: number;
  /** Reconciles per second over the last minute. */
  ratePerSecond: number;
  /** The last reconcile of each key (bounded), newest first. */
  recent: ReconcileRecord[];
  lastByKey: Record<string, ReconcileRecord>;
}

/**
 * A reconcile record as the view keeps it: the time as a number, formatted only when the view is
 * read (two `toISOString()` per reconcile were most of what the view allocated).
 */
type Kept = Omit<ReconcileRecord, 'at'> & { atMs: number };

/** The record as `/status` shows it: a copy, its fields in the order they always had. */
function shown(kept: Kept): ReconcileRecord {
  const { id, key, reasons, result, seconds, error } = kept;
  return {
    id,
    key,
    reasons,
    result,
    at: new Date(kept.atMs).toISOString(),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

const RECENT = 50;
const PER_KEY = 1000;

interface View {
  kind: string;
  reconciles: number;
  errors: number;
  recent: Kept[];
  byKey: Map<string, Kept>;
  times: number[];
  observer?: ControllerObserver;
}

export interface LiveView {
  /** The observer for one controller; call once per controller. */
  observerFor(def: ControllerDefinition<KubernetesObject>): ControllerObserver;
  /** The view of each controller. */
  controllers(slots: readonly ControllerSlot[]): ControllerStatus[];
}

export function createLiveView(metrics: Metrics): LiveView {
  const views = new Map<string, View>();
  return {
    observerFor(def) {
      const m = metrics.controller(def.name);
      m.setMaxConcurrent(def.options.concurrency ?? 1);
      const view: View = {
        kind: def.options.for.kind,
        reconciles: 0,
        errors: 0,
        recent: [],
        byKey: new Map(),
        times: [],
      };
      const known = views.get(def.name);
      if (known?.observer) return known.observer;
      views.set(def.name, view);
      const open = new Map<string, Kept>();
      view.observer = {
        enqueued: (_key: string, reason: Reason) => m.reason(reason.kind),
        reconcileStarted(key, id, reasons) {
          m.reconcileStarted();
          const record: Kept = {
            id,
            key,
            reasons: reasons.map(describeReason),
            result: 'running',
            atMs: Date.now(),
          };
          open.set(id, record);
          view.byKey.delete(key);
          view.byKey.set(key, record);
          if (view.byKey.size > PER_KEY) view.byKey.delete(view.byKey.keys().next().value!);
        },
        reconcileFinished(key, o) {
          m.reconcileFinished(o.result, o.seconds);
          if (o.result === 'error') {
            m.error();
            view.errors++;
          }
          if (o.terminal) m.terminalError();
          if (o.invalid) m.panic();
          view.reconciles++;
          const now = Date.now();
          view.times.push(now);
          while (view.times.length > 0 && now - view.times[0]! > 60_000) view.times.shift();
          const record: Kept = open.get(o.id) ?? { id: o.id, key, reasons: [], result: o.result, atMs: now };
          open.delete(o.id);
          record.result = o.result;
          record.seconds = Math.round(o.seconds * 1e6) / 1e6;
          if (o.error !== undefined)
            record.error = o.error instanceof Error ? o.error.message : String(o.error);
          view.recent.unshift(record);
          if (view.recent.length > RECENT) view.recent.pop();
        },
        handlerError: () => m.panic(),
      };
      return view.observer as ControllerObserver;
    },
    controllers(slots) {
      return slots.map((slot) => {
        const view = views.get(slot.name)!;
        const r = slot.running;
        const stats = r?.queue.stats();
        return {
          name: slot.name,
          kind: view.kind,
          state: slot.state,
          ...(slot.state === 'waiting' && slot.waitingFor.length > 0
            ? { waiting: `waiting for CRD ${slot.waitingFor.join(', ')}` }
            : {}),
          queueDepth: stats ? stats.depth : 0,
          inFlight: r ? r.inFlight : 0,
          idle: slot.state === 'ready' && stats !== undefined && stats.depth === 0 && stats.processing === 0,
          reconciles: view.reconciles,
          errors: view.errors,
          ratePerSecond: Math.round((view.times.length / 60) * 100) / 100,
          recent: view.recent.slice(0, 20).map(shown),
          lastByKey: Object.fromEntries(Array.from(view.byKey, ([key, record]) => [key, shown(record)])),
        };
      });
    },
  };
}
