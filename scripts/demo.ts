/**
 * `npm run demo`: the WebApp operator on a local cluster, with a live view.
 *
 * Brings up `operon cluster` (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes;
 * building the binaries first if needed), installs the WebApp CRD, starts the operator in this
 * process with its webhooks (served on loopback and registered with the API server, as envtest
 * does), shows them at work (a create denied by the registry allow-list, a defaulted field, every
 * WebApp listed at v1alpha1 and at v1 through conversion), applies the samples in
 * examples/webapp/samples, and redraws a view of the WebApps and of the operator every second,
 * with kubectl commands to try. Ctrl-C stops the operator and leaves the cluster running.
 *
 *   npm run demo               the live view, until Ctrl-C
 *   npm run demo -- --once     exit 0 once every sample is Available, non-zero with the reason
 */

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Client, ConfigMap, createClient, loadKubeconfig, Namespace } from 'operon/client';
import { findCondition } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager, type Manager } from 'operon/manager';
import { parseManifests, type RunningWebhooks, runWebhooks } from 'operon/testing';
import { webAppController } from '../examples/webapp/src/controller.ts';
import { NAME } from '../examples/webapp/src/operator.ts';
import { WebApp } from '../examples/webapp/src/webapp.ts';
import { webAppWebhooks } from '../examples/webapp/src/webhooks.ts';
import { printProgress } from '../src/cli/usage.ts';
import { clusterUp } from '../src/testing/cluster.ts';
import { installBinaries } from '../src/testing/index.ts';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean' },
    timeout: { type: 'string', default: '240' },
    namespace: { type: 'string', default: 'demo' },
  },
});
const once = values.once ?? false;
const demoNs = values.namespace!;
const registryNs = `${NAME}-system`;
const samplesDir = new URL('../examples/webapp/samples/', import.meta.url);
const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);

const started = Date.now();
say('checking the control-plane binaries (the first run builds them from Go modules: about 10 minutes)');
await installBinaries({ onProgress: printProgress });
say('starting the local cluster (operon cluster up)');
const { plane } = await clusterUp();
await plane.installCRDs([WebApp.crd()]);
const kubeconfig = plane.kubeconfig.path;

const config = await loadKubeconfig({ kubeconfig });
const client = createClient(config, { fieldManager: 'operon-demo' });
for (const name of [registryNs, demoNs]) {
  await client.apply(Namespace, { metadata: { name } });
}

// The operator, in this process; its logs go to a file so that the view stays readable.
const logDir = join(plane.dir, 'logs');
await mkdir(logDir, { recursive: true });
const logFile = join(logDir, 'webapp-operator.log');
const { createWriteStream } = await import('node:fs');
const logStream = createWriteStream(logFile, { flags: 'a' });
const manager = await createManager({
  config,
  name: NAME,
  // Local use: metrics over plain HTTP and the live view, both on loopback only, so the links below
  // open in a browser. A deployed operator keeps the defaults: HTTPS metrics, each scrape checked by
  // the API server, and no /status (docs/security.md).
  metricsSecure: false,
  metricsAddress: '127.0.0.1:0',
  healthAddress: '127.0.0.1:0',
  statusAddress: '127.0.0.1:0',
  log: createLogger({ format: 'json', write: (l) => logStream.write(l) }),
});
manager.add(webAppController({ registryNamespace: registryNs }));
const stop = new AbortController();
const running = manager.start(stop.signal);
running.catch(() => undefined);

// The webhooks: served on loopback and registered in URL mode (a deployed operator serves them
// from its pods behind a Service, with `addOperatorWebhooks`). Lookups use the unfenced client.
const allowList = { namespace: registryNs, name: 'webapp-allowed-registries' };
await client.apply(ConfigMap, {
  metadata: allowList,
  data: { registries: 'nginx\nghcr.io/example/' },
});
say('serving the WebApp webhooks and waiting for the API server to call them');
const hooks: RunningWebhooks = await runWebhooks(plane, [webAppWebhooks({ allowList })], {
  client: manager.unfencedClient,
});

// The samples.
const sampleNames: string[] = [];
for (const file of (await readdir(samplesDir)).filter((f) => f.endsWith('.yaml')).sort()) {
  for (const obj of parseManifests(
    await readFile(new URL(file, samplesDir), 'utf8'),
    `examples/webapp/samples/${file}`,
  )) {
    await client.apply(
      WebApp,
      { ...(obj as unknown as WebApp), metadata: { ...obj.metadata, namespace: demoNs } },
      { force: true },
    );
    sampleNames.push(obj.metadata.name!);
  }
}
say(`applied ${sampleNames.length} sample WebApps in namespace ${demoNs}: ${sampleNames.join(', ')}`);

/** Runs kubectl against the demo cluster; resolves to what it printed (stderr on failure). */
function kubectl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(err ? `(kubectl failed: ${(stderr || err.message).trim()})` : stdout.trimEnd()),
    );
  });
}

/** What the webhooks do, shown once: a denied create, a defaulted field, both versions listed. */
async function webhookShow(): Promise<string> {
  const lines = ['webhooks (validate, default, convert v1alpha1 <-> v1):'];
  try {
    await client.create(WebApp, {
      metadata: { name: 'intruder', namespace: demoNs },
      spec: { image: 'evil.example.com/miner:1', replicas: 1, port: 80 },
    });
    lines.push('  denied create: NOT DENIED (the validating webhook did not run)');
  } catch (err) {
    lines.push(`  denied create: intruder (evil.example.com/miner:1): ${(err as Error).message}`);
  }
  const hello = await client.get(WebApp, 'hello', { namespace: demoNs });
  const requests = hello.spec.resources?.requests;
  lines.push(
    `  defaulted field: hello spec.resources.requests = ${requests ? JSON.stringify(requests) : 'NOT DEFAULTED'} (the sample sets none)`,
  );
  for (const version of ['v1alpha1', 'v1']) {
    const resource = `webapps.${version}.${WebApp.group}`;
    lines.push(`  $ kubectl get ${resource} -n ${demoNs}`);
    for (const l of (await kubectl(['get', resource, '-n', demoNs])).split('\n')) lines.push(`    ${l}`);
  }
  return lines.join('\n');
}
const shown = await webhookShow();

const age = (iso: string | undefined) => {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
};

async function view(m: Manager, c: Client): Promise<{ text: string; pending: string[] }> {
  const list = await c.list(WebApp, { namespace: demoNs });
  const status = m.status();
  const ctrl = status.controllers[0];
  const rows = [
    ['NAME', 'IMAGE', 'DESIRED', 'READY', 'AVAILABLE', 'PROGRESSING', 'DEGRADED', 'LAST RECONCILE'],
  ];
  const pending: string[] = [];
  for (const app of list.items) {
    const name = app.metadata!.name!;
    const cond = (t: string) => findCondition(app.status?.conditions, t);
    const last = ctrl?.lastByKey[`${demoNs}/${name}`];
    rows.push([
      name,
      app.spec.image,
      String(app.spec.replicas),
      String(app.status?.readyReplicas ?? 0),
      cond('Available')?.status ?? '-',
      cond('Progressing')?.status ?? '-',
      cond('Degraded')?.status ?? '-',
      last ? `${last.reasons.slice(0, 2).join(', ') || 'retry'} (${last.result}, ${age(last.at)} ago)` : '-',
    ]);
    const ok =
      cond('Available')?.status === 'True' &&
      app.status?.observedGeneration === app.metadata?.generation &&
      (app.status?.readyReplicas ?? 0) === app.spec.replicas;
    if (sampleNames.includes(name) && !ok) {
      pending.push(
        `${name}: ${['Available', 'Progressing', 'Degraded']
          .map((t) => `${t}=${cond(t)?.status ?? '?'} (${cond(t)?.message ?? 'no status yet'})`)
          .join(', ')}`,
      );
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
  const recent = (ctrl?.recent ?? [])
    .slice(0, 5)
    .map((r) => `  ${r.at.slice(11, 19)}  ${r.key.padEnd(18)} ${r.result.padEnd(13)} ${r.reasons.join(', ')}`)
    .join('\n');
  const text = [
    `Operon demo: the WebApp operator on a local cluster (${status.phase}, caches ${status.cacheSynced ? 'synced' : 'syncing'})`,
    `operator: ${ctrl?.reconciles ?? 0} reconciles (${ctrl?.ratePerSecond ?? 0}/s over the last minute), queue depth ${ctrl?.queueDepth ?? 0}, in flight ${ctrl?.inFlight ?? 0}, errors ${ctrl?.errors ?? 0}`,
    `         metrics http://${m.addresses.metrics}/metrics   live view http://${m.addresses.status}/status   log ${logFile}`,
    '',
    table,
    '',
    'recent reconciles (why each one ran):',
    recent || '  (none yet)',
    '',
    shown,
    '',
    'Try, in another terminal:',
    `  export KUBECONFIG=${kubeconfig}`,
    `  kubectl get wa -n ${demoNs}`,
    `  kubectl scale wa/hello -n ${demoNs} --replicas=4`,
    `  kubectl patch wa/hello -n ${demoNs} --type=merge -p '{"spec":{"image":"nginx:1.28"}}'`,
    `  kubectl delete deployment hello -n ${demoNs}        # it comes back`,
    `  kubectl apply -n ${demoNs} -f examples/webapp/samples/hello.yaml`,
    `  kubectl get events -n ${demoNs} --sort-by=.metadata.creationTimestamp`,
    `  kubectl get webapps.v1alpha1.${WebApp.group} -n ${demoNs} -o yaml   # converted by the webhook`,
    `  kubectl create -n ${demoNs} -f - <<< '{"apiVersion":"${WebApp.group}/v1","kind":"WebApp","metadata":{"name":"x"},"spec":{"image":"evil.io/x:1","replicas":1,"port":80}}'   # denied`,
    'Ctrl-C stops the operator; the cluster keeps running (npm run operon -- cluster down stops it).',
  ].join('\n');
  return { text, pending };
}

/**
 * Reads /metrics and /status once, as `--once` shows: plain HTTP on loopback because this demo
 * asked for it (`metricsSecure: false`); a deployed operator's scrapes go over HTTPS, each checked
 * by the API server (docs/security.md).
 */
async function readEndpoints(m: Manager): Promise<void> {
  const metrics = await fetch(`http://${m.addresses.metrics}/metrics`);
  const text = await metrics.text();
  const total = text.match(
    /^controller_runtime_reconcile_total\{controller="webapp",result="success"\} (\d+)/m,
  );
  say(
    `metrics over plain HTTP (asked for: metricsSecure false): ${metrics.status}, ` +
      `controller_runtime_reconcile_total{controller="webapp",result="success"} ${total?.[1] ?? 'missing'}`,
  );
  const live = await fetch(`http://${m.addresses.status}/status`);
  const view = (await live.json()) as {
    phase?: string;
    controllers?: { name?: string; reconciles?: number }[];
  };
  const ctrl = view.controllers?.find((c) => c.name === 'webapp');
  say(
    `live view on loopback: ${live.status}, phase ${view.phase}, webapp reconciles ${ctrl?.reconciles ?? 'missing'}`,
  );
}

let exitCode = 0;
const tty = Boolean(process.stdout.isTTY) && !once;
const deadline = Date.now() + Number(values.timeout) * 1000;
const onSignal = () => stop.abort();
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
let lastPrinted = 0;
try {
  while (!stop.signal.aborted) {
    const { text, pending } = await view(manager, client);
    if (tty) process.stdout.write(`\x1b[2J\x1b[H${text}\n`);
    else if (
      once ? pending.length === 0 || Date.now() - lastPrinted > 15_000 : Date.now() - lastPrinted > 5000
    ) {
      process.stdout.write(`${text}\n\n`);
      lastPrinted = Date.now();
    }
    if (once && pending.length === 0) {
      say(`every sample is Available after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await readEndpoints(manager);
      break;
    }
    if (once && Date.now() > deadline) {
      process.stderr.write(
        `[demo] not every sample became Available within ${values.timeout} s:\n  ${pending.join('\n  ')}\n`,
      );
      exitCode = 1;
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  stop.abort();
  await running.catch((err: unknown) => {
    process.stderr.write(`[demo] the operator failed: ${(err as Error).message}\n`);
    exitCode = 1;
  });
  // Removes the webhook configurations (a cluster left running must not call a webhook that is gone).
  await hooks.stop();
  await plane.stop(); // the cluster keeps running; this only closes our connection
  await client.close();
  logStream.end();
  say('operator stopped; the cluster keeps running (npm run operon -- cluster down stops it)');
}
process.exitCode = exitCode;
