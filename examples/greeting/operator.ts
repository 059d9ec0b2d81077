/**
 * The smallest operator: the README's example, kept here so that it is type-checked and tested.
 */

import { ConfigMap } from 'operon/client';
import { Action, applyOwned, controller, setCondition, updateStatus } from 'operon/controller';
import { defineOperator } from 'operon/manager';
import { defineResource, type ObjectType, rule, Type, validations } from 'operon/resource';

const Condition = Type.Object({
  type: Type.String(),
  status: Type.String(),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.String(),
  observedGeneration: Type.Optional(Type.Integer()),
});

export const Greeting = defineResource({
  group: 'example.com',
  kind: 'Greeting',
  versions: {
    v1: {
      spec: Type.Object({
        message: Type.String({ ...validations(rule('self.size() > 0', 'say something')) }),
      }),
      status: Type.Object({ conditions: Type.Optional(Type.Array(Condition)) }),
    },
  },
});
export type Greeting = ObjectType<typeof Greeting>; // { spec: { message: string }, status?: ..., metadata?: ... }

export const greetings = controller({
  name: 'greeting',
  for: Greeting,
  owns: [ConfigMap],
  permissions: { status: ['update'] },
  async reconcile(request, ctx) {
    const greeting = await ctx.get(); // from the shared cache
    if (!greeting) return Action.done();
    await applyOwned(
      ctx.client,
      greeting,
      ConfigMap,
      { metadata: { name: request.name }, data: { message: greeting.spec.message } },
      ctx,
    ); // server-side apply, with an owner reference
    const conditions = setCondition(greeting.status?.conditions, {
      type: 'Ready',
      status: 'True',
      reason: 'Applied',
    });
    await updateStatus(ctx.client, Greeting, greeting, { conditions }, ctx); // only if it changed
    return Action.done();
  },
});

export default defineOperator({ name: 'greeting-operator', resources: [Greeting], controllers: [greetings] });
