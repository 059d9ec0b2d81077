/**
 * The smallest operator: the README's example, kept here so that it is type-checked and tested.
 */

import { ConfigMap } from 'operon/client';
import { Action, applyOwned, controller, setCondition, updateStatus } from 'operon/controller';
import { defineOperator } from 'operon/manager';
import { conditions, defineResource, type ObjectType, rule, Type, validations } from 'operon/resource';

export const Greeting = defineResource({
  group: 'example.com',
  kind: 'Greeting',
  versions: {
    v1: {
      spec: Type.Object({
        message: Type.String({ ...validations(rule('self.size() > 0', 'say something')) }),
      }),
      status: Type.Object({ conditions: Type.Optional(conditions()) }), // metav1.Condition, keyed by type
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
