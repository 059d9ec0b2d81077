import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type Client, createClient, isAlreadyExists, Job, loadKubeconfig, Namespace } from 'operon/client';
import { findCondition } from 'operon/controller';
import { generateFiles } from 'operon/generate';
import { createLogger } from 'operon/log';
import { createManager, type Manager } from 'operon/manager';
import {
  type ControlPlane,
  createTestClock,
  eventually,
  startControlPlane,
  type TestClock,
} from 'operon/testing';
import { parseAllDocuments } from 'yaml';
import { Backup } from '../examples/backup/src/backup.ts';
import { backupController } from '../examples/backup/src/controller.ts';
import { nextAfter, parseCron } from '../examples/backup/src/cron.ts';
import operator from '../examples/backup/src/operator.ts';
import { jobName, SCHEDULED_AT } from '../examples/backup/src/schedule.ts';

// Jobs must really run and finish: the job controller (the full set) and kwok's Pod stages.
let plane: ControlPlane;
let client: Client;
before(async () => {
  plane = await startControlPlane({
    components: ['kube-controller-manager', 'kwok'],
    controllers: 'all',
    nodes: 1,
    crds: [Backup.crd()],
  });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  // The operator runs as its ServiceAccount with only the RBAC `operon generate rbac` writes.
  await client
    .create(Namespace, { metadata: { name: operator.definition.namespace } })
    .catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  for (const doc of parseAllDocuments(generateFiles(operator, 'rbac')[0]!.content)) {
    const object = doc.toJS() as { apiVersion: string; kind: string };
    await client.apply(await client.mapper.resourceFor(object.apiVersion, object.kind), object as never, {
      force: true,
    });
  }
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

const SCHEDULE = '*/5 * * * *';
const schedule = (() => {
  const r = parseCron(SCHEDULE);
  if (!r.ok) throw new Error(r.error);
  return r.schedule;
})();

/** A template whose Pod kwok runs to completion at once. */
const completes = {
  spec: {
    backoffLimit: 0,
    template: {
      spec: { restartPolicy: 'Never' as const, containers: [{ name: 'dump', image: 'example.com/dump:1' }] },
    },
  },
};
/** A template whose Pod no node takes, so its Job stays active. */
const staysActive = {
  spec: {
    template: { spec: { ...completes.spec.template.spec, nodeSelector: { 'operon.dev/nowhere': 'true' } } },
  },
};

// The operators' logs (debug level), printed when a test fails: a stall on the test clock (a
// retry waiting for a time the test never reaches) is only visible there.
let logLines: string[] = [];
afterEach((t) => {
  // Node sets `passed` on the TestContext after the test (the installed typings lack it).
  if ((t as { passed?: boolean }).passed === false)
    process.stderr.write(`[backup] operator log of "${t.name}":\n${logLines.join('')}\n`);
  logLines = [];
});

/** Runs the Backup controller in `namespace` on a test clock that starts at the real time. */
async function runOperator(namespace: string) {
  const clock = createTestClock({ now: Date.now() });
  const { name, namespace: home } = operator.definition;
  const manager = await createManager({
    config: {
      ...(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path })),
      impersonate: {
        user: `system:serviceaccount:${home}:${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${home}`, 'system:authenticated'],
      },
    },
    namespace,
    clock,
    metricsAddress: false,
    healthAddress: false,
    gracefulShutdownMs: 5000,
    log: createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  });
  manager.add(backupController);
  const ac = new AbortController();
  const running = manager.start(ac.signal);
  return {
    clock,
    manager,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await running;
    },
  };
}

async function createBackup(namespace: string, name: string, spec: Record<string, unknown>): Promise<Backup> {
  return client.create(Backup, {
    metadata: { name, namespace },
    spec: { schedule: SCHEDULE, jobTemplate: completes, ...spec },
  } as Backup);
}

/** The first run after the Backup was created. */
function firstRun(backup: Backup): number {
  return nextAfter(schedule, Date.parse(backup.metadata!.creationTimestamp!))!;
}

/** Waits for the Backup's Ready condition to have `reason` (and a message matching `message`). */
async function readyIs(namespace: string, name: string, reason: string, message?: RegExp) {
  return eventually(`Backup ${name} Ready reason ${reason}${message ? ` ${message}` : ''}`, async () => {
    const b = await client.get(Backup, name, { namespace });
    const ready = findCondition(b.status?.conditions, 'Ready');
    return ready?.reason === reason && (!message || message.test(ready.message)) && b;
  });
}

/**
 * Moves the clock to `wall` once the controller is idle with a timer pending by then. Idle first:
 * a reconcile still running (its status write already visible to the test) would otherwise ask
 * for its requeue after the jump, relative to the new time, and the run would never come.
 */
async function advanceTo(op: { clock: TestClock; manager: Manager }, wall: number) {
  const { clock, manager } = op;
  const target = clock.now() + (wall - clock.wallTime());
  await eventually(
    'the controller idle, with a timer pending for the run',
    () => manager.status().controllers.every((c) => c.idle) && (clock.nextTimerAt() ?? Infinity) <= target,
  );
  clock.set(wall);
}

async function jobNames(namespace: string): Promise<string[]> {
  const jobs = await client.list(Job, { namespace });
  return jobs.items
    .filter((j) => !j.metadata?.deletionTimestamp)
    .map((j) => j.metadata!.name!)
    .sort();
}

const iso = (ms: number) => new Date(ms).toISOString();
const isComplete = (j: Job) =>
  j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');

describe('the Backup operator', () => {
  it('starts a Job at the scheduled minute and not before, and the Job completes', async () => {
    await using ns = await plane.createNamespace('backup-run');
    await using op = await runOperator(ns.name);
    const created = await createBackup(ns.name, 'db', {});
    const run = firstRun(created);
    await readyIs(ns.name, 'db', 'Waiting', new RegExp(`next run at ${iso(run)}`));
    assert.deepEqual(await jobNames(ns.name), [], 'nothing runs before the scheduled minute');

    await advanceTo(op, run);
    const name = jobName('db', run);
    const job = await eventually('the Job for the run', () =>
      client.get(Job, name, { namespace: ns.name }).catch(() => undefined),
    );
    assert.equal(job.metadata?.annotations?.[SCHEDULED_AT], iso(run));
    assert.equal(job.metadata?.ownerReferences?.[0]?.name, 'db');
    assert.equal(job.metadata?.ownerReferences?.[0]?.controller, true);

    const done = await eventually(
      'the Job completes on kwok',
      async () => {
        const j = await client.get(Job, name, { namespace: ns.name });
        return isComplete(j) && j;
      },
      120_000,
    );
    assert.equal(done.status?.succeeded, 1);
    const after = await eventually('the Backup records the success', async () => {
      const b = await client.get(Backup, 'db', { namespace: ns.name });
      return b.status?.lastSuccessfulTime !== undefined && (b.status.active ?? []).length === 0
        ? b
        : undefined;
    });
    assert.equal(after.status?.lastScheduleTime, iso(run));
    assert.deepEqual(await jobNames(ns.name), [name], 'one run, one Job');
  });

  it('Forbid skips a run while one is active; Replace deletes the active one', async () => {
    await using ns = await plane.createNamespace('backup-concurrency');
    await using op = await runOperator(ns.name);
    const forbid = await createBackup(ns.name, 'forbid', {
      concurrencyPolicy: 'Forbid',
      jobTemplate: staysActive,
    });
    const replace = await createBackup(ns.name, 'replace', {
      concurrencyPolicy: 'Replace',
      jobTemplate: staysActive,
    });
    const first = firstRun(forbid);
    assert.equal(firstRun(replace), first, 'created within one schedule period');
    const second = nextAfter(schedule, first)!;
    await readyIs(ns.name, 'forbid', 'Waiting');
    await readyIs(ns.name, 'replace', 'Waiting');

    await advanceTo(op, first);
    for (const b of ['forbid', 'replace']) {
      await eventually(`${b} lists its first Job as active`, async () => {
        const got = await client.get(Backup, b, { namespace: ns.name });
        return got.status?.active?.[0]?.name === jobName(b, first);
      });
    }

    await advanceTo(op, second);
    await readyIs(ns.name, 'forbid', 'ConcurrencyForbidden', new RegExp(jobName('forbid', first)));
    await eventually('Replace started the second run and deleted the first', async () => {
      const names = await jobNames(ns.name);
      return names.includes(jobName('replace', second)) && !names.includes(jobName('replace', first));
    });
    const names = await jobNames(ns.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith('forbid-')),
      [jobName('forbid', first)],
      'Forbid started no second Job',
    );
  });

  it('a suspended Backup starts nothing, and a run missed beyond startingDeadlineSeconds is skipped', async () => {
    await using ns = await plane.createNamespace('backup-skip');
    await using op = await runOperator(ns.name);
    const suspended = await createBackup(ns.name, 'paused', { suspend: true });
    const late = await createBackup(ns.name, 'late', { startingDeadlineSeconds: 60 });
    const run = firstRun(suspended);
    assert.equal(firstRun(late), run, 'created within one schedule period');
    const next = nextAfter(schedule, run)!;
    await readyIs(ns.name, 'paused', 'Suspended', new RegExp(`next run at ${iso(run)}`));
    await readyIs(ns.name, 'late', 'Waiting');

    // Three minutes past the run: the controller comes back too late for it.
    await advanceTo(op, run + 3 * 60_000);
    await readyIs(ns.name, 'paused', 'Suspended', new RegExp(`next run at ${iso(next)}`));
    await readyIs(ns.name, 'late', 'MissedSchedule', new RegExp(`${iso(run)} is more than 60s late`));
    assert.deepEqual(await jobNames(ns.name), []);

    // Resumed, the paused one runs at its next time.
    await client.patch(Backup, 'paused', { spec: { suspend: false } }, { namespace: ns.name });
    await readyIs(ns.name, 'paused', 'Waiting');
    await advanceTo(op, next);
    await eventually('the resumed Backup runs', async () =>
      (await jobNames(ns.name)).includes(jobName('paused', next)),
    );
  });

  it('deletes the oldest finished Jobs beyond the history limit', async () => {
    await using ns = await plane.createNamespace('backup-history');
    await using op = await runOperator(ns.name);
    const created = await createBackup(ns.name, 'db', { successfulJobsHistoryLimit: 1 });
    const first = firstRun(created);
    const second = nextAfter(schedule, first)!;
    await readyIs(ns.name, 'db', 'Waiting');
    for (const run of [first, second]) {
      await advanceTo(op, run);
      await eventually(
        `the run at ${iso(run)} completes`,
        async () => {
          const j = await client.get(Job, jobName('db', run), { namespace: ns.name }).catch(() => undefined);
          return j && isComplete(j);
        },
        120_000,
      );
    }
    await eventually('only the newest finished Job is kept', async () => {
      const names = await jobNames(ns.name);
      return names.length === 1 && names[0] === jobName('db', second);
    });
  });

  it('reports a bad schedule as Ready=False with the reason, and recovers when it is fixed', async () => {
    await using ns = await plane.createNamespace('backup-invalid');
    await using _op = await runOperator(ns.name);
    await createBackup(ns.name, 'db', { schedule: '61 * * * *' });
    const bad = await readyIs(ns.name, 'db', 'InvalidSchedule', /minute: 61 is outside 0-59/);
    assert.equal(findCondition(bad.status?.conditions, 'Ready')?.status, 'False');
    await client.patch(Backup, 'db', { spec: { schedule: '@hourly' } }, { namespace: ns.name });
    const fixed = await readyIs(ns.name, 'db', 'Waiting');
    assert.equal(findCondition(fixed.status?.conditions, 'Ready')?.status, 'True');
    assert.equal(fixed.status?.observedGeneration, 2);
  });
});
