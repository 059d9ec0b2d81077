import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '../client/resource.ts';
import { WebApp } from '../controller/fakes.test.ts';
import { Action, type ControllerDefinition, controller } from '../controller/index.ts';
import { createMetrics } from '../metrics/index.ts';
import type { ControllerSlot } from './controller-set.ts';
import { createLiveView } from './live-view.ts';

describe('live view', () => {
  it('shows each reconcile with its ISO start time, running then finished, newest first, and a copy each time', () => {
    const view = createLiveView(createMetrics());
    const def = controller({ name: 'web', for: WebApp, reconcile: async () => Action.done() });
    const observer = view.observerFor(def as unknown as ControllerDefinition<KubernetesObject>);
    const slot: ControllerSlot = {
      name: 'web',
      definition: def as unknown as ControllerDefinition<KubernetesObject>,
      state: 'ready',
      waitingFor: [],
      running: undefined,
    };
    const before = Date.now();
    observer.reconcileStarted!('ns/a', 'id-1', [{ kind: 'create' }]);
    const after = Date.now();
    const [running] = view.controllers([slot]);
    const record = running!.lastByKey['ns/a']!;
    assert.deepEqual(Object.keys(record), ['id', 'key', 'reasons', 'result', 'at']);
    assert.equal(record.result, 'running');
    assert.equal(record.at, new Date(Date.parse(record.at)).toISOString());
    assert.ok(Date.parse(record.at) >= before && Date.parse(record.at) <= after, record.at);

    observer.reconcileFinished!('ns/a', {
      id: 'id-1',
      result: 'error',
      seconds: 0.25,
      error: new Error('boom'),
    });
    observer.reconcileFinished!('ns/b', { id: 'id-2', result: 'success', seconds: 0.5 });
    const [finished] = view.controllers([slot]);
    assert.equal(record.result, 'running', 'a status read earlier is not changed afterwards');
    assert.deepEqual(
      finished!.recent.map(({ at, ...rest }) => ({
        ...rest,
        iso: at === new Date(Date.parse(at)).toISOString(),
      })),
      [
        { id: 'id-2', key: 'ns/b', reasons: [], result: 'success', seconds: 0.5, iso: true },
        {
          id: 'id-1',
          key: 'ns/a',
          reasons: ['create'],
          result: 'error',
          seconds: 0.25,
          error: 'boom',
          iso: true,
        },
      ],
    );
    assert.equal(finished!.lastByKey['ns/a']!.at, record.at, 'the start time, kept');
    assert.deepEqual(Object.keys(finished!.lastByKey['ns/a']!), [
      'id',
      'key',
      'reasons',
      'result',
      'at',
      'seconds',
      'error',
    ]);
    assert.equal(finished!.reconciles, 2);
    assert.equal(finished!.errors, 1);
  });
});
