import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from 'operon/client';
import type { Backup } from './backup.ts';
import { jobName, planBackup, SCHEDULED_AT } from './schedule.ts';

const T0 = Date.parse('2025-01-01T00:00:30Z');
const MIN = 60_000;

function backup(spec: Partial<Backup['spec']> = {}, status: Backup['status'] = {}): Backup {
  return {
    apiVersion: 'example.operon.dev/v1',
    kind: 'Backup',
    metadata: { name: 'db', namespace: 'ns', creationTimestamp: new Date(T0).toISOString() },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { containers: [] } } } },
      ...spec,
    },
    status,
  };
}

function job(at: number, state: 'active' | 'succeeded' | 'failed' = 'active'): Job {
  const type = state === 'succeeded' ? 'Complete' : 'Failed';
  return {
    metadata: { name: jobName('db', at), annotations: { [SCHEDULED_AT]: new Date(at).toISOString() } },
    status:
      state === 'active'
        ? {}
        : {
            conditions: [{ type, status: 'True' }],
            ...(state === 'succeeded' ? { completionTime: new Date(at + 30_000).toISOString() } : {}),
          },
  };
}

const at = (minute: number) => Date.parse('2025-01-01T00:00:00Z') + minute * MIN;

describe('planBackup', () => {
  it('starts nothing before the scheduled minute and requeues for exactly the time left', () => {
    const plan = planBackup(backup(), [], at(4) + 59_999);
    assert.equal(plan.start, undefined);
    assert.equal(plan.requeueAfterMs, 1);
    assert.equal(plan.ready.reason, 'Waiting');
  });

  it("waits for the first run after creation when the operator's clock is behind the server's", () => {
    // Created at 00:00:30 by the API server's clock; the operator reads 23:59:50 the day before.
    const now = T0 - 40_000;
    const plan = planBackup(backup(), [], now);
    assert.equal(plan.start, undefined);
    assert.equal(plan.ready.message, 'next run at 2025-01-01T00:05:00.000Z', 'not 00:00, before creation');
    assert.equal(plan.requeueAfterMs, at(5) - now);
    // Likewise after a run whose time is ahead of the operator's clock.
    const later = planBackup(
      backup({}, { lastScheduleTime: new Date(at(5)).toISOString() }),
      [],
      at(5) - 1000,
    );
    assert.equal(later.ready.message, 'next run at 2025-01-01T00:10:00.000Z');
  });

  it('starts the run at the scheduled minute under a deterministic name', () => {
    const plan = planBackup(backup(), [], at(5));
    assert.deepEqual(plan.start, { name: `db-${at(5) / MIN}`, scheduledAt: at(5) });
    assert.equal(plan.lastScheduleTime, at(5));
    assert.equal(plan.requeueAfterMs, 5 * MIN);
    // A retry that finds the Job already there starts nothing new.
    const again = planBackup(backup(), [job(at(5))], at(5) + 1000);
    assert.equal(again.start, undefined);
  });

  it('makes up only the latest missed run, unless it is past the starting deadline', () => {
    assert.equal(planBackup(backup(), [], at(23)).start?.scheduledAt, at(20));
    const late = planBackup(backup({ startingDeadlineSeconds: 60 }), [], at(22));
    assert.equal(late.start, undefined);
    assert.equal(late.ready.reason, 'MissedSchedule');
    assert.match(late.ready.message, /2025-01-01T00:20:00.000Z is more than 60s late/);
    assert.equal(planBackup(backup({ startingDeadlineSeconds: 60 }), [], at(21)).start?.scheduledAt, at(20));
  });

  it('Forbid skips while a run is active; Replace deletes it; Allow overlaps', () => {
    const status = { lastScheduleTime: new Date(at(5)).toISOString() };
    const running = [job(at(5))];
    const forbid = planBackup(backup({ concurrencyPolicy: 'Forbid' }, status), running, at(10));
    assert.equal(forbid.start, undefined);
    assert.equal(forbid.ready.reason, 'ConcurrencyForbidden');
    const replace = planBackup(backup({ concurrencyPolicy: 'Replace' }, status), running, at(10));
    assert.equal(replace.start?.scheduledAt, at(10));
    assert.deepEqual(
      replace.remove.map((r) => [r.job.metadata?.name, r.why]),
      [[jobName('db', at(5)), 'replaced']],
    );
    const allow = planBackup(backup({}, status), running, at(10));
    assert.equal(allow.start?.scheduledAt, at(10));
    assert.equal(allow.remove.length, 0);
    assert.equal(allow.active.length, 1);
  });

  it('suspend starts nothing but still says when the next run would be', () => {
    const plan = planBackup(backup({ suspend: true }), [], at(5));
    assert.equal(plan.start, undefined);
    assert.equal(plan.ready.reason, 'Suspended');
    assert.match(plan.ready.message, /next run at 2025-01-01T00:10:00.000Z/);
  });

  it('prunes the oldest finished Jobs beyond each history limit and keeps the last success time', () => {
    const jobs = [
      job(at(15), 'succeeded'),
      job(at(5), 'succeeded'),
      job(at(10), 'succeeded'),
      job(at(20), 'failed'),
      job(at(0), 'failed'),
      job(at(25)),
    ];
    const plan = planBackup(
      backup({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }),
      jobs,
      at(26),
    );
    assert.deepEqual(
      plan.remove.map((r) => r.job.metadata?.name),
      [jobName('db', at(5)), jobName('db', at(10)), jobName('db', at(0))],
    );
    assert.equal(plan.lastSuccessfulTime, at(15) + 30_000);
    assert.deepEqual(
      plan.active.map((j) => j.metadata?.name),
      [jobName('db', at(25))],
    );
  });

  it('reports a bad schedule as a condition and schedules nothing', () => {
    const plan = planBackup(backup({ schedule: '*/5 * * *' }), [], at(5));
    assert.equal(plan.start, undefined);
    assert.equal(plan.requeueAfterMs, undefined);
    assert.deepEqual(plan.ready.status, 'False');
    assert.equal(plan.ready.reason, 'InvalidSchedule');
    assert.match(plan.ready.message, /has 4 fields/);
  });

  it('reads the schedule in spec.timeZone', () => {
    // 01:00 in Berlin (winter, UTC+1) is 00:00 UTC.
    const plan = planBackup(backup({ schedule: '0 1 * * *', timeZone: 'Europe/Berlin' }), [], at(1441));
    assert.equal(plan.start?.scheduledAt, at(1440));
    assert.equal(plan.requeueAfterMs, 1439 * MIN);
  });
});
