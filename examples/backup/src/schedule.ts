/**
 * What a Backup should do now, as a pure function of its spec, its Jobs and the time:
 * `planBackup()` says which Job to start, which to delete and when to look again. The controller
 * (controller.ts) carries the plan out; tests drive this with any `now` they like.
 */

import type { Job } from 'operon/client';
import type { Backup } from './backup.ts';
import { mostRecent, nextAfter, parseCron } from './cron.ts';

/** The annotation a Job carries with the scheduled time it runs for (as CronJob's). */
export const SCHEDULED_AT = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export type JobState = 'active' | 'succeeded' | 'failed';

/** Whether a Job runs, succeeded or failed, by its Complete / Failed conditions. */
export function jobState(job: Job): JobState {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return 'succeeded';
    if (c.type === 'Failed') return 'failed';
  }
  return 'active';
}

/** The Job name for a run: `<backup>-<scheduled time in unix minutes>`, so a retry makes no second. */
export function jobName(backup: string, scheduledAt: number): string {
  return `${backup}-${Math.floor(scheduledAt / 60_000)}`;
}

/** The scheduled time a Job runs for: its annotation, else its creation time. */
export function scheduledTimeOf(job: Job): number {
  const at = Date.parse(job.metadata?.annotations?.[SCHEDULED_AT] ?? '');
  return Number.isFinite(at) ? at : Date.parse(job.metadata?.creationTimestamp ?? '') || 0;
}

export interface Plan {
  /** Jobs still running (not being deleted), oldest run first. */
  active: Job[];
  /** Jobs to delete: finished ones beyond the history limits, and active ones Replace stops. */
  remove: Array<{ job: Job; why: 'history' | 'replaced' }>;
  /** The run to start now, if one is due. */
  start?: { name: string; scheduledAt: number };
  /** The Ready condition. */
  ready: { status: 'True' | 'False'; reason: string; message: string };
  /** The latest scheduled time a Job was started for (kept, or the one started now). */
  lastScheduleTime?: number;
  /** When the latest successful Job completed. */
  lastSuccessfulTime?: number;
  /** Milliseconds until the next run is due; undefined when nothing is scheduled. */
  requeueAfterMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

function byRun(a: Job, b: Job): number {
  return (
    scheduledTimeOf(a) - scheduledTimeOf(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
  );
}

/** Plans one reconcile of `backup` at `now` (epoch ms), given the Jobs it owns. */
export function planBackup(backup: Backup, jobs: readonly Job[], now: number): Plan {
  const spec = backup.spec;
  const live = jobs.filter((j) => !j.metadata?.deletionTimestamp).sort(byRun);
  const active = live.filter((j) => jobState(j) === 'active');
  const succeeded = live.filter((j) => jobState(j) === 'succeeded');
  const failed = live.filter((j) => jobState(j) === 'failed');
  const remove: Plan['remove'] = [
    ...succeeded.slice(0, Math.max(0, succeeded.length - spec.successfulJobsHistoryLimit)),
    ...failed.slice(0, Math.max(0, failed.length - spec.failedJobsHistoryLimit)),
  ].map((job) => ({ job, why: 'history' as const }));

  const completions = succeeded
    .map((j) => Date.parse(j.status?.completionTime ?? ''))
    .filter((t) => Number.isFinite(t));
  const previousSuccess = Date.parse(backup.status?.lastSuccessfulTime ?? '');
  const lastSuccess = Math.max(...completions, Number.isFinite(previousSuccess) ? previousSuccess : -1);
  const previousSchedule = Date.parse(backup.status?.lastScheduleTime ?? '');
  const plan: Plan = {
    active,
    remove,
    ready: { status: 'True', reason: 'Scheduled', message: '' },
    ...(Number.isFinite(previousSchedule) ? { lastScheduleTime: previousSchedule } : {}),
    ...(lastSuccess >= 0 ? { lastSuccessfulTime: lastSuccess } : {}),
  };

  const parsed = parseCron(spec.schedule, spec.timeZone);
  if (!parsed.ok) {
    plan.ready = { status: 'False', reason: 'InvalidSchedule', message: parsed.error };
    return plan;
  }
  const schedule = parsed.schedule;
  // Runs since the last one started (or since creation) are owed; only the latest is made up.
  const created = Date.parse(backup.metadata?.creationTimestamp ?? '');
  const since = Number.isFinite(previousSchedule)
    ? previousSchedule
    : Number.isFinite(created)
      ? created
      : now;
  // The next run comes after `since` too: with the operator's clock behind the API server's, a
  // Backup can be created "after now", and a time before its creation would never run.
  const next = nextAfter(schedule, Math.max(now, since));
  const nextText = next === undefined ? 'the schedule never fires again' : `next run at ${iso(next)}`;
  if (next !== undefined) plan.requeueAfterMs = next - now;
  if (spec.suspend) {
    plan.ready = { status: 'True', reason: 'Suspended', message: `suspended; ${nextText}` };
    return plan;
  }

  const due = mostRecent(schedule, since, now);
  if (due === undefined) {
    plan.ready = { status: 'True', reason: 'Waiting', message: nextText };
    return plan;
  }
  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== undefined && now - due > deadline * 1000) {
    plan.ready = {
      status: 'True',
      reason: 'MissedSchedule',
      message: `the run at ${iso(due)} is more than ${deadline}s late and was skipped; ${nextText}`,
    };
    return plan;
  }
  const name = jobName(backup.metadata?.name ?? '', due);
  const alreadyRuns = live.some((j) => j.metadata?.name === name);
  if (!alreadyRuns && active.length > 0 && spec.concurrencyPolicy === 'Forbid') {
    plan.ready = {
      status: 'True',
      reason: 'ConcurrencyForbidden',
      message: `the run at ${iso(due)} waits: ${active.map((j) => j.metadata?.name).join(', ')} still runs (concurrencyPolicy Forbid)`,
    };
    return plan;
  }
  if (!alreadyRuns && spec.concurrencyPolicy === 'Replace') {
    for (const job of active) plan.remove.push({ job, why: 'replaced' });
    plan.active = [];
  }
  if (!alreadyRuns) plan.start = { name, scheduledAt: due };
  plan.lastScheduleTime = due;
  plan.ready = {
    status: 'True',
    reason: 'Scheduled',
    message: `started ${name} for ${iso(due)}; ${nextText}`,
  };
  return plan;
}
