/**
 * The Backup custom resource: a Job template run on a cron schedule, like a Kubernetes CronJob,
 * with a concurrency policy and history limits. The template embeds the built-in JobTemplateSpec
 * schema (`k8s.JobTemplateSpec` from operon/resource), so every Job field validates and is kept.
 */

import { conditions, defineResource, k8s, listType, type ObjectType, Type } from 'operon/resource';

const JobReference = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  namespace: Type.String(),
  uid: Type.String(),
});

export const Backup = defineResource({
  group: 'example.operon.dev',
  kind: 'Backup',
  shortNames: ['bk'],
  description: 'Backup runs a Job on a cron schedule, like a CronJob.',
  // The embedded JobTemplateSpec is nearly all descriptions (a 630 KB CRD with them all, 247 KB without those below depth 3):
  // keep the Backup's own and the template's top fields for `kubectl explain`, drop the rest.
  descriptions: { maxDepth: 3 },
  versions: {
    v1: {
      storage: true,
      spec: Type.Object({
        schedule: Type.String({
          description: 'Five-field cron schedule (minute hour day-of-month month day-of-week) or @daily etc.',
          maxLength: 256,
        }),
        timeZone: Type.Optional(
          Type.String({ description: 'IANA time zone the schedule is read in; default UTC.', maxLength: 64 }),
        ),
        concurrencyPolicy: Type.Union(
          [Type.Literal('Allow'), Type.Literal('Forbid'), Type.Literal('Replace')],
          {
            default: 'Allow',
            description: 'Allow runs overlap; Forbid skips a run while one is active; Replace stops it.',
          },
        ),
        suspend: Type.Boolean({ default: false, description: 'Start no new runs while true.' }),
        startingDeadlineSeconds: Type.Optional(
          Type.Integer({
            minimum: 0,
            description: 'A run missed by more than this many seconds is skipped, not started late.',
          }),
        ),
        successfulJobsHistoryLimit: Type.Integer({
          minimum: 0,
          default: 3,
          description: 'Finished successful Jobs to keep.',
        }),
        failedJobsHistoryLimit: Type.Integer({
          minimum: 0,
          default: 1,
          description: 'Finished failed Jobs to keep.',
        }),
        jobTemplate: k8s.JobTemplateSpec,
      }),
      status: Type.Object({
        observedGeneration: Type.Optional(
          Type.Integer({ description: 'The generation this status describes.' }),
        ),
        lastScheduleTime: Type.Optional(
          Type.String({ format: 'date-time', description: 'The scheduled time of the last Job started.' }),
        ),
        lastSuccessfulTime: Type.Optional(
          Type.String({ format: 'date-time', description: 'When the last successful Job completed.' }),
        ),
        active: Type.Optional(
          Type.Array(JobReference, { ...listType('atomic'), description: 'Jobs running now.' }),
        ),
        conditions: Type.Optional(conditions('Ready.')),
      }),
      printerColumns: [
        { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
        { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
        { name: 'Last Schedule', type: 'date', jsonPath: '.status.lastScheduleTime' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
  },
});

export type Backup = ObjectType<typeof Backup>;
