/**
 * Running an operator: `createManager()` ties caches, controllers, leader election, probes and
 * metrics into one lifecycle of Runnables, with a bounded shutdown and no write after leadership is lost.
 */

export type { ControllerState } from './controller-set.ts';
export {
  type AuthDecision,
  createDelegatingAuth,
  type DelegatingAuthOptions,
  type EndpointAuth,
} from './endpoint-auth.ts';
export { type EndpointOptions, type HttpEndpoints, parseAddress, startEndpoints } from './endpoints.ts';
export { fenceClient } from './fenced-client.ts';
export { crdNameOf, isBuiltinGroup } from './kinds.ts';
export {
  type Election,
  type LifecycleHooks,
  type LifecycleOptions,
  type LifecyclePhase,
  runLifecycle,
  ShutdownTimeoutError,
  STOP_MARGIN_MS,
} from './lifecycle.ts';
export type { ControllerStatus, ReconcileRecord } from './live-view.ts';
export {
  createManager,
  ExitCode,
  exitCodeOf,
  type LeaderElectionConfig,
  type Manager,
  type ManagerOptions,
  type ManagerStatus,
} from './manager.ts';
export { defineOperator, type Operator, type OperatorDefinition, runFlags } from './operator.ts';
export { redactSecrets, redactText } from './redact.ts';
export { type Runnable, type RunnableGroup, runnable, START_ORDER } from './runnable.ts';
