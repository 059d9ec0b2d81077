/**
 * Owner references: `controllerReference(owner)` makes the reference that marks a child as managed
 * by one controller object (`controller: true`, `blockOwnerDeletion: true`), so the garbage
 * collector deletes the child with its owner and `owns` watches find the owner again.
 */

import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import type { OwnerReference } from '../client/types/meta-v1.ts';
import { ErrorCode, OperonError } from '../errors.ts';

/**
 * A kind a controller owns (its `owns` list): the ResourceType, or `{ resource, deletes: true }`
 * when the reconcile also deletes such objects itself (pruning history, replacing a child), so that
 * `operon generate rbac` grants `delete` on that kind too. Children left to the garbage collector
 * (deleted with their owner) need no `deletes`.
 */
export type Owned = ResourceType | { readonly resource: ResourceType; readonly deletes?: boolean };

/** The kind of an `owns` entry. */
export function ownedResource(o: Owned): ResourceType {
  return 'resource' in o ? o.resource : o;
}

/** Whether an `owns` entry says the reconcile deletes objects of its kind. */
export function ownedDeletes(o: Owned): boolean {
  return 'resource' in o && o.deletes === true;
}

/** The controller reference to `owner`. The owner must have been read from the server (it needs its uid). */
export function controllerReference(owner: KubernetesObject): OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `An owner reference needs the owner's apiVersion, kind, name and uid; this ${kind ?? 'object'} lacks ${[
        !apiVersion && 'apiVersion',
        !kind && 'kind',
        !name && 'metadata.name',
        !uid && 'metadata.uid',
      ]
        .filter(Boolean)
        .join(', ')}. Use the object as read from the API server.`,
    );
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Returns `child` with `owner` as its controller reference (other owner references are kept).
 * Throws if another object already controls the child: two controllers must not fight over it.
 */
export function withControllerReference<T extends KubernetesObject>(owner: KubernetesObject, child: T): T {
  const ref = controllerReference(owner);
  if (
    owner.metadata?.namespace &&
    child.metadata?.namespace &&
    owner.metadata.namespace !== child.metadata.namespace
  ) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `A ${owner.kind} in namespace ${owner.metadata.namespace} cannot own a ${child.kind} in ${child.metadata.namespace}: owner references do not cross namespaces.`,
    );
  }
  const refs = child.metadata?.ownerReferences ?? [];
  const other = refs.find((r) => r.controller && r.uid !== ref.uid);
  if (other) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${child.kind ?? 'Object'} ${child.metadata?.name} is already controlled by ${other.kind} ${other.name}; refusing to take it over.`,
    );
  }
  return {
    ...child,
    metadata: { ...child.metadata, ownerReferences: [...refs.filter((r) => r.uid !== ref.uid), ref] },
  };
}

/** The controller reference of an object, if any. */
export function controllerOf(object: KubernetesObject): OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((r) => r.controller);
}
