/**
 * The WebApp custom resource: a container image served by a Deployment and a Service, scaled by
 * `kubectl scale wa/NAME`, with Available / Progressing / Degraded conditions in its status.
 * `v1` is stored; the older `v1alpha1` (image as repository + tag, no resources or strategy) is
 * converted by the operator's webhook (`webhooks.ts`).
 */

import {
  conditions,
  defineResource,
  intOrString,
  listType,
  type ObjectType,
  rule,
  Type,
  validations,
} from 'operon/resource';

const Quantities = Type.Record(Type.String(), intOrString(), {
  description: 'Quantities such as cpu: 100m, memory: 128Mi.',
});

export const WebApp = defineResource({
  group: 'example.operon.dev',
  kind: 'WebApp',
  shortNames: ['wa'],
  categories: ['all'],
  description: 'WebApp runs a container image as a Deployment with a Service in front of it.',
  versions: {
    v1alpha1: {
      deprecated: 'example.operon.dev/v1alpha1 WebApp is deprecated; use example.operon.dev/v1',
      spec: Type.Object(
        {
          repository: Type.String({
            minLength: 1,
            maxLength: 512,
            description: 'Image repository, e.g. nginx.',
          }),
          tag: Type.Optional(Type.String({ maxLength: 128, description: 'Image tag, e.g. 1.27.' })),
          replicas: Type.Integer({ minimum: 0, maximum: 100, default: 1, description: 'Pods to run.' }),
          port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080, description: 'Container port.' }),
        },
        {
          ...validations(
            rule(
              "has(self.tag) || !self.repository.matches(':[^/]*$')",
              'without a tag, the repository cannot end in ":<tag>"; put the tag in spec.tag',
            ),
            rule(
              "!has(self.tag) || !self.repository.contains('@')",
              'a repository with a digest (@) takes no tag',
            ),
          ),
        },
      ),
      status: Type.Object({
        replicas: Type.Optional(Type.Integer()),
        readyReplicas: Type.Optional(Type.Integer()),
      }),
      printerColumns: [
        { name: 'Repository', type: 'string', jsonPath: '.spec.repository' },
        { name: 'Tag', type: 'string', jsonPath: '.spec.tag' },
        { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
    v1: {
      storage: true,
      spec: Type.Object({
        image: Type.String({
          description: 'Container image to run, e.g. nginx:1.27.',
          maxLength: 512,
          ...validations(
            rule(
              "self.trim().size() > 0 && !self.contains(' ')",
              'image must be a non-empty image reference without spaces',
            ),
          ),
        }),
        replicas: Type.Integer({
          minimum: 0,
          maximum: 100,
          default: 1,
          description: 'Pods to run (0 to 100).',
        }),
        port: Type.Integer({
          default: 8080,
          description: 'Port the container listens on, also the Service port.',
          ...validations(rule('self >= 1 && self <= 65535', 'port must be between 1 and 65535')),
        }),
        env: Type.Optional(
          Type.Array(
            Type.Object({
              name: Type.String({ minLength: 1, description: 'Variable name.' }),
              value: Type.Optional(Type.String({ description: 'Variable value.' })),
            }),
            {
              ...listType('map', ['name']),
              maxItems: 64,
              description: 'Environment variables of the container.',
            },
          ),
        ),
        resources: Type.Optional(
          Type.Object(
            { requests: Type.Optional(Quantities), limits: Type.Optional(Quantities) },
            { description: 'Compute resources of the container.' },
          ),
        ),
        strategy: Type.Optional(
          Type.Object(
            {
              type: Type.Union([Type.Literal('RollingUpdate'), Type.Literal('Recreate')], {
                default: 'RollingUpdate',
              }),
              maxSurge: Type.Optional(
                intOrString({ description: 'Extra Pods during a rollout (number or percent).' }),
              ),
              maxUnavailable: Type.Optional(
                intOrString({ description: 'Pods that may be down during a rollout.' }),
              ),
            },
            {
              description: 'How a new image rolls out.',
              ...validations(
                rule(
                  "self.type == 'RollingUpdate' || (!has(self.maxSurge) && !has(self.maxUnavailable))",
                  'maxSurge and maxUnavailable apply to RollingUpdate only',
                ),
              ),
            },
          ),
        ),
      }),
      status: Type.Object({
        observedGeneration: Type.Optional(
          Type.Integer({ description: 'The generation this status describes.' }),
        ),
        replicas: Type.Optional(Type.Integer({ description: 'Pods that exist.' })),
        readyReplicas: Type.Optional(Type.Integer({ description: 'Pods that are ready.' })),
        availableReplicas: Type.Optional(Type.Integer({ description: 'Pods available to serve.' })),
        updatedReplicas: Type.Optional(Type.Integer({ description: 'Pods running the current image.' })),
        selector: Type.Optional(
          Type.String({ description: 'Label selector of the Pods, for the scale subresource.' }),
        ),
        conditions: Type.Optional(conditions('Available, Progressing and Degraded.')),
      }),
      subresources: {
        scale: {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.status.selector',
        },
      },
      printerColumns: [
        { name: 'Image', type: 'string', jsonPath: '.spec.image' },
        { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
        { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
  },
});

export type WebApp = ObjectType<typeof WebApp>;
