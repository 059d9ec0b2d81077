/**
 * The WebApp webhooks: conversion between v1alpha1 (repository + tag) and v1 (image), defaulting
 * of container resources, and validation of the image registry against an allow-list kept in a
 * ConfigMap (a rule CEL cannot express: it depends on another object).
 */

import { ConfigMap, isNotFound } from 'operon/client';
import { Admission, defineWebhooks } from 'operon/webhook';
import { WebApp } from './webapp.ts';

/** Requests a WebApp's container gets when it sets none. */
export const DEFAULT_REQUESTS = { cpu: '100m', memory: '128Mi' } as const;

export interface WebAppWebhookOptions {
  /**
   * The ConfigMap whose `registries` key lists allowed image prefixes, one a line (e.g.
   * `docker.io/library/`, `ghcr.io/acme/`). Absent ConfigMap: every registry is allowed.
   */
  allowList: { namespace: string; name: string };
}

/** Splits a v1 image into v1alpha1's repository and tag; `toHub` joins them back exactly. */
export function splitImage(image: string): { repository: string; tag?: string } {
  if (image.includes('@')) return { repository: image };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/'))
    return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image };
}

export function webAppWebhooks(options: WebAppWebhookOptions) {
  return defineWebhooks(WebApp, {
    // The allow-list lookup below, and nothing else: `get` on that one ConfigMap.
    permissions: [
      {
        resource: ConfigMap,
        verbs: ['get'],
        namespace: options.allowList.namespace,
        resourceNames: [options.allowList.name],
      },
    ],
    validate: async (app, { client, signal }) => {
      if (!client) return Admission.allow();
      let registries: string[];
      try {
        const cm = await client.get(ConfigMap, options.allowList.name, {
          namespace: options.allowList.namespace,
          signal,
        });
        registries = (cm.data?.registries ?? '')
          .split(/\s+/)
          .map((r) => r.trim())
          .filter(Boolean);
      } catch (err) {
        if (isNotFound(err)) return Admission.allow();
        throw err;
      }
      if (registries.some((prefix) => app.spec.image.startsWith(prefix))) return Admission.allow();
      return Admission.deny(
        `image "${app.spec.image}" is not from an allowed registry (${registries.join(', ') || 'none allowed'}); see ConfigMap ${options.allowList.namespace}/${options.allowList.name}`,
        { field: 'spec.image' },
      );
    },
    default: (app) => {
      const requests = app.spec.resources?.requests;
      if (!requests || Object.keys(requests).length === 0) {
        app.spec.resources = { ...app.spec.resources, requests: { ...DEFAULT_REQUESTS } };
      }
    },
    conversion: {
      spokes: {
        v1alpha1: {
          toHub: ({ spec: { repository, tag, ...spec }, status, ...rest }) => ({
            ...rest,
            spec: { ...spec, image: tag === undefined ? repository : `${repository}:${tag}` },
            ...(status ? { status } : {}),
          }),
          fromHub: ({ spec, status, ...rest }) => ({
            ...rest,
            spec: { ...splitImage(spec.image), replicas: spec.replicas, port: spec.port },
            ...(status
              ? {
                  status: {
                    ...(status.replicas === undefined ? {} : { replicas: status.replicas }),
                    ...(status.readyReplicas === undefined ? {} : { readyReplicas: status.readyReplicas }),
                  },
                }
              : {}),
          }),
        },
      },
    },
  });
}
