/**
 * Running an operator: `createManager()` ties caches, controllers, leader election, probes and
 * metrics into one lifecycle with a clean shutdown.
 */

export { type EndpointOptions, type HttpEndpoints, parseAddress } from './endpoints.ts';
export {
  type ControllerStatus,
  createManager,
  type LeaderElectionConfig,
  type Manager,
  type ManagerOptions,
  type ManagerStatus,
  type ReconcileRecord,
} from './manager.ts';
export { defineOperator, type Operator, type OperatorDefinition } from './operator.ts';
