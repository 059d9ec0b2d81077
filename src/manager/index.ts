/**
 * Running an operator: `createManager()` ties caches, controllers, leader election, probes and
 * metrics into one lifecycle with a clean shutdown.
 */

export {
  type AuthDecision,
  createDelegatingAuth,
  type DelegatingAuthOptions,
  type EndpointAuth,
} from './endpoint-auth.ts';
export { type EndpointOptions, type HttpEndpoints, parseAddress, startEndpoints } from './endpoints.ts';
export {
  type ControllerStatus,
  createManager,
  type LeaderElectionConfig,
  type Manager,
  type ManagerOptions,
  type ManagerStatus,
  type ReconcileRecord,
} from './manager.ts';
export { defineOperator, type Operator, type OperatorDefinition, runFlags } from './operator.ts';
export { redactSecrets, redactText } from './redact.ts';
