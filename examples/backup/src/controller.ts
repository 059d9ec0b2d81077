/**
 * The Backup controller: at each scheduled minute it starts a Job from the Backup's template,
 * honouring suspend, startingDeadlineSeconds and concurrencyPolicy, prunes finished Jobs beyond
 * the history limits, mirrors the Jobs into status, and requeues for the next run. Time comes from
 * `ctx.now()`, so tests move a test clock instead of waiting.
 */

import { isAlreadyExists, isNotFound, Job } from 'operon/client';
import {
  Action,
  controller,
  ownerKey,
  type ReconcileContext,
  setCondition,
  updateStatus,
  withControllerReference,
} from 'operon/controller';
import { Backup } from './backup.ts';
import { planBackup, SCHEDULED_AT } from './schedule.ts';

/** The Job a run starts: the template's metadata and spec, owned by the Backup. */
export function jobFor(backup: Backup, name: string, scheduledAt: number): Job {
  const template = backup.spec.jobTemplate;
  return withControllerReference<Job>(backup, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: backup.metadata!.namespace!,
      labels: { ...template.metadata?.labels },
      annotations: { ...template.metadata?.annotations, [SCHEDULED_AT]: new Date(scheduledAt).toISOString() },
    },
    ...(template.spec ? { spec: template.spec } : {}),
  });
}

async function reconcileBackup(ctx: ReconcileContext<Backup>): Promise<Action> {
  const { client, signal } = ctx;
  const backup = await ctx.get();
  if (!backup) return Action.done();
  const namespace = backup.metadata!.namespace;

  // The built-in owner index: this Backup's Jobs, including one created a moment ago.
  const jobs = await ctx.reader.list(Job, { namespace, index: { owner: ownerKey(backup) } });
  const now = ctx.now();
  const plan = planBackup(backup, jobs.items, now.getTime());

  for (const { job, why } of plan.remove) {
    try {
      await client.delete(Job, job.metadata!.name!, { namespace, propagationPolicy: 'Background', signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    ctx.events.event(backup, {
      type: 'Normal',
      reason: why === 'history' ? 'DeletedFinished' : 'Replaced',
      action: 'Delete',
      note: `deleted Job ${job.metadata?.name}${why === 'history' ? ' beyond the history limit' : ' (concurrencyPolicy Replace)'}`,
    });
  }

  const active = [...plan.active];
  if (plan.start) {
    try {
      active.push(
        await client.create(Job, jobFor(backup, plan.start.name, plan.start.scheduledAt), { signal }),
      );
      ctx.events.event(backup, {
        type: 'Normal',
        reason: 'Started',
        action: 'Create',
        note: `started Job ${plan.start.name}`,
      });
    } catch (err) {
      // A retried reconcile: the deterministic name already exists, so this run has its Job.
      if (!isAlreadyExists(err)) throw err;
    }
  }

  const generation = backup.metadata?.generation ?? 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const status: NonNullable<Backup['status']> = {
    observedGeneration: generation,
    ...(plan.lastScheduleTime !== undefined ? { lastScheduleTime: iso(plan.lastScheduleTime) } : {}),
    ...(plan.lastSuccessfulTime !== undefined ? { lastSuccessfulTime: iso(plan.lastSuccessfulTime) } : {}),
    active: active.map((j) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: j.metadata!.name!,
      namespace: namespace ?? '',
      uid: j.metadata!.uid!,
    })),
    conditions: setCondition(
      backup.status?.conditions,
      { type: 'Ready', ...plan.ready, observedGeneration: generation },
      now,
    ),
  };
  await updateStatus(client, Backup, backup, status, ctx);
  if (plan.ready.reason === 'InvalidSchedule')
    ctx.log.info('invalid schedule', { error: plan.ready.message });
  if (plan.requeueAfterMs === undefined) return Action.done();
  // The note is the next run's reason (`timer: next run at …`) in its logs and the live view.
  return Action.requeueAfter(plan.requeueAfterMs, `next run at ${iso(now.getTime() + plan.requeueAfterMs)}`);
}

/** The controller: owns the Jobs it starts, so their progress reconciles their Backup. */
export const backupController = controller({
  name: 'backup',
  for: Backup,
  // History pruning and Replace delete Jobs, so generated RBAC grants delete on them too.
  owns: [{ resource: Job, deletes: true }],
  permissions: { status: ['update'] },
  reconcile: (_request, ctx) => reconcileBackup(ctx),
});
