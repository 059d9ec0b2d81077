/**
 * The WebApp controller: for each WebApp it applies a Deployment and a Service, mirrors the
 * rollout into the WebApp's status and conditions, keeps an app registry (a ConfigMap in the
 * operator's namespace) with a finalizer, and turns specs it cannot run into `Degraded=True`.
 */

import { type Client, ConfigMap, Deployment, isAlreadyExists, isNotFound, Service } from 'operon/client';
import {
  Action,
  applyOwned,
  controller,
  finalize,
  findCondition,
  jsonEqual,
  type ReconcileContext,
  type Request,
  setCondition,
  updateStatus,
} from 'operon/controller';
import { WebApp } from './webapp.ts';

export const FINALIZER = 'example.operon.dev/registry';
export const REGISTRY = 'webapp-registry';

export interface WebAppControllerOptions {
  /** Namespace of the app registry ConfigMap: the operator's own. */
  registryNamespace: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** What the schema cannot check: env names that are identifiers, quantities that parse. */
export function semanticProblems(spec: WebApp['spec']): string[] {
  const problems: string[] = [];
  for (const e of spec.env ?? []) {
    if (!ENV_NAME.test(e.name))
      problems.push(
        `env var name "${e.name}" is not a valid identifier (letters, digits, _; not starting with a digit)`,
      );
  }
  for (const [kind, list] of Object.entries(spec.resources ?? {})) {
    for (const [name, q] of Object.entries(list ?? {})) {
      if (!QUANTITY.test(String(q)))
        problems.push(`resources.${kind}.${name} "${q}" is not a quantity (e.g. 100m, 128Mi)`);
    }
  }
  return problems;
}

/** Labels of the Pods of one WebApp; also its selector. */
export function podLabels(app: WebApp): Record<string, string> {
  return { 'app.kubernetes.io/name': 'webapp', 'app.kubernetes.io/instance': app.metadata!.name! };
}

/** The registry key of a WebApp, from the object or from a request for it. */
function registryKey(of: { namespace?: string | undefined; name: string }): string {
  return `${of.namespace}.${of.name}`;
}

const nameOf = (app: WebApp) => ({ namespace: app.metadata!.namespace, name: app.metadata!.name! });

async function register(client: Client, namespace: string, app: WebApp, signal: AbortSignal): Promise<void> {
  const patch = { data: { [registryKey(nameOf(app))]: app.spec.image } };
  try {
    await client.patch(ConfigMap, REGISTRY, patch, { namespace, signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await client.create(
        ConfigMap,
        { metadata: { name: REGISTRY, namespace }, data: patch.data },
        { signal },
      );
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await client.patch(ConfigMap, REGISTRY, patch, { namespace, signal });
    }
  }
}

async function unregister(
  client: Client,
  namespace: string,
  of: { namespace?: string | undefined; name: string },
  signal: AbortSignal,
): Promise<void> {
  try {
    // A merge patch with null removes just this app's key.
    await client.patch(ConfigMap, REGISTRY, { data: { [registryKey(of)]: null } }, { namespace, signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function desiredDeployment(app: WebApp): Deployment {
  const labels = podLabels(app);
  const s = app.spec;
  const strategy =
    s.strategy?.type === 'Recreate'
      ? { type: 'Recreate' as const }
      : {
          type: 'RollingUpdate' as const,
          ...(s.strategy?.maxSurge !== undefined || s.strategy?.maxUnavailable !== undefined
            ? {
                rollingUpdate: {
                  ...(s.strategy.maxSurge !== undefined ? { maxSurge: s.strategy.maxSurge } : {}),
                  ...(s.strategy.maxUnavailable !== undefined
                    ? { maxUnavailable: s.strategy.maxUnavailable }
                    : {}),
                },
              }
            : {}),
        };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.metadata!.name!, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      strategy,
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'app',
              image: s.image,
              ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
              ...(s.env?.length ? { env: s.env.map((e) => ({ name: e.name, value: e.value ?? '' })) } : {}),
              ...(s.resources
                ? {
                    resources: {
                      ...(s.resources.requests ? { requests: stringQuantities(s.resources.requests) } : {}),
                      ...(s.resources.limits ? { limits: stringQuantities(s.resources.limits) } : {}),
                    },
                  }
                : {}),
            },
          ],
        },
      },
    },
  };
}

function stringQuantities(q: Record<string, number | string>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
}

function desiredService(app: WebApp): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.metadata!.name!, labels: podLabels(app) },
    spec: {
      selector: podLabels(app),
      ports: [{ name: 'http', port: app.spec.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** The status that describes `deployment` for `app`. */
export function statusFor(
  app: WebApp,
  deployment: Deployment | undefined,
  now?: string,
): NonNullable<WebApp['status']> {
  const generation = app.metadata?.generation ?? 0;
  const desired = app.spec.replicas;
  const ds = deployment?.status;
  const caughtUp =
    deployment !== undefined &&
    (ds?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    (ds?.updatedReplicas ?? 0) === desired &&
    (ds?.replicas ?? 0) === desired &&
    (ds?.availableReplicas ?? 0) === desired;
  // The Deployment's own Available condition says whether enough Pods serve (within maxUnavailable).
  const available =
    deployment !== undefined &&
    (desired === 0 || ds?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true);
  let conditions = app.status?.conditions;
  const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(
      conditions,
      { type, status, reason, message, observedGeneration: generation },
      now,
    );
  };
  set(
    'Available',
    available ? 'True' : 'False',
    available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    `${ds?.availableReplicas ?? 0} of ${desired} replicas available`,
  );
  set(
    'Progressing',
    caughtUp ? 'False' : 'True',
    caughtUp ? 'RolloutComplete' : 'RollingOut',
    caughtUp
      ? `running ${app.spec.image}`
      : `rolling out ${app.spec.image}: ${ds?.updatedReplicas ?? 0} of ${desired} updated`,
  );
  set('Degraded', 'False', 'AsExpected', 'the spec can be run');
  const labels = podLabels(app);
  return {
    observedGeneration: generation,
    replicas: ds?.replicas ?? 0,
    readyReplicas: ds?.readyReplicas ?? 0,
    availableReplicas: ds?.availableReplicas ?? 0,
    updatedReplicas: ds?.updatedReplicas ?? 0,
    selector: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    conditions: conditions ?? [],
  };
}

async function reconcileWebApp(
  request: Request,
  ctx: ReconcileContext<WebApp>,
  options: WebAppControllerOptions,
) {
  const { client, signal } = ctx;
  const found = await ctx.get();
  if (!found) {
    // Gone. A reconcile that read a stale copy after the finalizer came off (the answer to that
    // write lost, the watch behind) may have registered it again: its delete event ends here.
    await unregister(client, options.registryNamespace, request, signal);
    return Action.done();
  }

  // Cleanup first when it is going: the registry entry goes before the finalizer does.
  const fin = await finalize({
    client,
    type: WebApp,
    object: found,
    finalizer: FINALIZER,
    signal,
    cleanup: async (app) => {
      await unregister(client, options.registryNamespace, nameOf(app), signal);
      ctx.events.event(app, {
        type: 'Normal',
        reason: 'Unregistered',
        action: 'Delete',
        note: 'removed from the app registry',
      });
    },
  });
  if (fin.state === 'finalized' || fin.state === 'deleting') return Action.done();
  const app = fin.object;

  // Specs the schema cannot judge: report them, do not crash, do not retry until the spec changes.
  const problems = semanticProblems(app.spec);
  if (problems.length > 0) {
    const message = problems.join('; ');
    const was = findCondition(app.status?.conditions, 'Degraded');
    const conditions = setCondition(app.status?.conditions, {
      type: 'Degraded',
      status: 'True',
      reason: 'InvalidSpec',
      message,
      observedGeneration: app.metadata?.generation,
    });
    await updateStatus(
      client,
      WebApp,
      app,
      { ...app.status, observedGeneration: app.metadata?.generation ?? 0, conditions },
      ctx,
    );
    if (was?.status !== 'True' || was.message !== message) {
      ctx.events.event(app, { type: 'Warning', reason: 'InvalidSpec', action: 'Validate', note: message });
    }
    ctx.log.info('spec cannot be run', { problems });
    return Action.done();
  }

  await register(client, options.registryNamespace, app, signal);

  // Children: apply what we want; the apply restores anything edited or deleted by hand.
  const before = await ctx.reader
    .get(Deployment, app.metadata!.name!, { namespace: app.metadata!.namespace })
    .catch(() => undefined);
  const deployment = await applyOwned(client, app, Deployment, desiredDeployment(app), ctx);
  if (!before) {
    ctx.events.event(app, {
      type: 'Normal',
      reason: 'Created',
      action: 'Apply',
      note: `created Deployment ${deployment.metadata?.name}`,
    });
  } else if (before.metadata?.generation !== deployment.metadata?.generation) {
    ctx.events.event(app, {
      type: 'Normal',
      reason: 'Updated',
      action: 'Apply',
      note: `updated Deployment ${deployment.metadata?.name}`,
    });
  }
  const svcBefore = await ctx.reader
    .get(Service, app.metadata!.name!, { namespace: app.metadata!.namespace })
    .catch(() => undefined);
  const wantService = desiredService(app);
  // Apply never removes what another manager owns: a port edited by hand would stay beside ours
  // (and clash with its name). Ports are a list keyed by port, so put the whole list back first.
  const portsOf = (svc: Service) =>
    (svc.spec?.ports ?? []).map((p) => `${p.name}:${p.port}:${p.targetPort}:${p.protocol}`).sort();
  if (svcBefore && !jsonEqual(portsOf(svcBefore), portsOf(wantService))) {
    await client.patch(
      Service,
      wantService.metadata!.name!,
      { spec: { ports: wantService.spec!.ports } },
      { namespace: app.metadata!.namespace, signal },
    );
  }
  const service = await applyOwned(client, app, Service, wantService, ctx);
  if (!svcBefore) {
    ctx.events.event(app, {
      type: 'Normal',
      reason: 'Created',
      action: 'Apply',
      note: `created Service ${service.metadata?.name}`,
    });
  } else if (svcBefore.metadata?.resourceVersion !== service.metadata?.resourceVersion) {
    ctx.events.event(app, {
      type: 'Normal',
      reason: 'Updated',
      action: 'Apply',
      note: `restored Service ${service.metadata?.name}`,
    });
  }

  const status = statusFor(app, deployment);
  await updateStatus(client, WebApp, app, status, ctx);
  return Action.done();
}

/** The controller, bound to where the registry lives and who records Events. */
export function webAppController(options: WebAppControllerOptions) {
  return controller({
    name: 'webapp',
    for: WebApp,
    owns: [Deployment, Service],
    concurrency: 2,
    permissions: {
      primary: ['patch'],
      status: ['update'],
      // The registry ConfigMap only, in the operator's namespace: no cluster-wide ConfigMap write.
      // RBAC cannot restrict create by name, so create is granted in that namespace alone.
      other: [
        { resource: ConfigMap, verbs: ['create'], namespace: options.registryNamespace },
        {
          resource: ConfigMap,
          verbs: ['patch'],
          namespace: options.registryNamespace,
          resourceNames: [REGISTRY],
        },
      ],
    },
    reconcile: (request, ctx) => reconcileWebApp(request, ctx, options),
  });
}
