/**
 * Controllers: `controller({ name, for, owns, watches, reconcile })` declares a level-triggered
 * reconcile loop; helpers set owner references, run finalizers safely, keep status conditions and
 * write children and status the way controllers should.
 */

export { ownerKey } from '../cache/store.ts';
export { Action, isAction, isTerminal, TerminalError, terminal } from './action.ts';
export {
  type Condition,
  type ConditionInput,
  type ConditionLike,
  findCondition,
  isTrue,
  removeCondition,
  setCondition,
} from './conditions.ts';
export {
  type AnyControllerDefinition,
  type ControllerDefinition,
  type ControllerObserver,
  type ControllerOptions,
  type ControllerPermissions,
  type ControllerRuntime,
  controller,
  describeReason,
  type EventSink,
  prepareController,
  type Reason,
  type ReasonKind,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Request,
  type RunningController,
  STOP_MARGIN_MS,
  type StopResult,
  type Verb,
  type Watch,
  watches,
} from './controller.ts';
export { type FinalizeOptions, type FinalizeResult, finalize } from './finalizer.ts';
export {
  type IndexDeclaration,
  type IndexDeclarations,
  type IndexedListOptions,
  type IndexedReader,
  type IndexQuery,
  index,
} from './indexes.ts';
export { controllerOf, controllerReference, type Owned, withControllerReference } from './owner.ts';
export {
  and,
  annotationsChanged,
  generationChanged,
  labelsChanged,
  not,
  onlyEvents,
  or,
  type Predicate,
  type PredicateEvent,
  resourceVersionChanged,
} from './predicates.ts';
export { RESYNC_JITTER } from './resync.ts';
export { applyOwned, isSubset, jsonEqual, updateStatus } from './status.ts';
