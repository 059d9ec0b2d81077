"""The widget operator of bench/operator.ts, written the way kopf's documentation writes operators.

Create, update and resume handlers apply one ConfigMap derived from the spec (adopted, so the widget
is its controller) with the `kubernetes` client, and set the Ready condition and observedGeneration
through kopf's status patch. Run as `kopf run --standalone --quiet --namespace NS handler.py`.

The bench protocol (bench/operator/protocol.ts): "synced" once the handler has seen BENCH_EXPECT
widgets (at startup when 0; kopf keeps no cache to report on), "gc" on stdin answered by "gc done",
the end of stdin stops the operator.
"""

import ctypes
import datetime
import gc
import os
import signal
import sys
import threading

import kopf
import kubernetes

GROUP, VERSION, PLURAL = 'bench.operon.dev', 'v1', 'widgets'

kubernetes.config.load_kube_config()
core = kubernetes.client.CoreV1Api()

expect = int(os.environ.get('BENCH_EXPECT', '0'))
seen: set[str] = set()
seen_lock = threading.Lock()


def say(line: str) -> None:
    print(line, flush=True)


def serve_stdin() -> None:
    for line in sys.stdin:
        if line.strip() == 'gc':
            gc.collect()
            ctypes.CDLL('libc.so.6').malloc_trim(0)  # give freed memory back, as Go's FreeOSMemory does
            say('gc done')
    os.kill(os.getpid(), signal.SIGTERM)  # the bench is gone or done with us


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_) -> None:
    settings.execution.max_workers = 4  # sync handlers run in this many threads: 4 concurrent reconciles
    settings.posting.enabled = False  # no Kubernetes Events: the workload has none
    threading.Thread(target=serve_stdin, daemon=True).start()
    if expect == 0:
        say('synced')


def config_map_data(spec) -> dict[str, str]:
    labels = spec.get('labels', {})
    return {
        'revision': str(spec['revision']),
        'owner': spec['owner'],
        'tier': spec['tier'],
        'replicas': str(spec['replicas']),
        'labels': ','.join(f'{k}={labels[k]}' for k in sorted(labels)),
        'payload': spec['payload'],
    }


def apply_config_map(body, name: str, namespace: str, spec, exists: bool) -> None:
    cm = {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': name}, 'data': config_map_data(spec)}
    kopf.adopt(cm, owner=body)
    if exists:
        try:
            core.patch_namespaced_config_map(name, namespace, cm)
            return
        except kubernetes.client.ApiException as e:
            if e.status != 404:
                raise
    try:
        core.create_namespaced_config_map(namespace, cm)
    except kubernetes.client.ApiException as e:
        if e.status != 409:
            raise
        core.patch_namespaced_config_map(name, namespace, cm)


def set_ready(status, meta, patch) -> None:
    generation = meta['generation']
    conditions = [dict(c) for c in status.get('conditions', [])]
    ready = next((c for c in conditions if c.get('type') == 'Ready'), None)
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    new = {'type': 'Ready', 'status': 'True', 'reason': 'Applied', 'message': 'ConfigMap applied',
           'observedGeneration': generation,
           'lastTransitionTime': ready['lastTransitionTime'] if ready and ready.get('status') == 'True' else now}
    if ready:
        conditions[conditions.index(ready)] = new
    else:
        conditions.append(new)
    if status.get('conditions') != conditions or status.get('observedGeneration') != generation:
        patch.status['conditions'] = conditions
        patch.status['observedGeneration'] = generation


def count(name: str) -> None:
    if expect == 0:
        return
    with seen_lock:
        if len(seen) < expect:
            seen.add(name)
            if len(seen) == expect:
                say('synced')


@kopf.on.create(GROUP, VERSION, PLURAL)
def create(body, spec, meta, status, patch, name, namespace, **_) -> None:
    apply_config_map(body, name, namespace, spec, exists=False)
    set_ready(status, meta, patch)
    count(name)


@kopf.on.update(GROUP, VERSION, PLURAL, field='spec')
@kopf.on.resume(GROUP, VERSION, PLURAL)
def update(body, spec, meta, status, patch, name, namespace, **_) -> None:
    apply_config_map(body, name, namespace, spec, exists=True)
    set_ready(status, meta, patch)
    count(name)
