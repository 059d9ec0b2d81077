/**
 * The files of a new operator project, as text: `projectFiles()` turns a name, a group and a kind
 * into a package whose `npm test` passes as soon as it is installed. Pure: the same input gives the
 * same bytes.
 */

/** What `operon init` was asked for, already checked. */
export interface ProjectOptions {
  /** A DNS label: the npm package, the operator and its image. */
  name: string;
  /** The API group of the custom resource, a DNS subdomain with a dot. */
  group: string;
  /** The custom resource's kind, PascalCase. */
  kind: string;
  /** How package.json depends on operon: `file:/path/to/operon` or `^0.1.0`. */
  operon: string;
  /** Version ranges of the dev dependencies. */
  typescript: string;
  typesNode: string;
  /** For `operon build` (npm run build), at build time only: not in the image. */
  esbuild: string;
  node: string;
}

export interface ProjectFile {
  /** Relative to the project folder, with `/`. */
  path: string;
  content: string;
}

/** The names the generated code derives from the kind. */
export function kindNames(kind: string) {
  const lower = kind.toLowerCase();
  return {
    /** `src/<file>.ts`, the controller's name and the CRD's singular. */
    file: lower,
    plural: `${lower}s`,
    /** The controller's variable, e.g. `greetingController`. */
    controller: `${kind.charAt(0).toLowerCase()}${kind.slice(1)}Controller`,
  };
}

/** Every file of the project, sorted by path. */
export function projectFiles(o: ProjectOptions): ProjectFile[] {
  const { file } = kindNames(o.kind);
  const files: ProjectFile[] = [
    { path: '.gitignore', content: gitignore() },
    { path: '.npmrc', content: npmrc() },
    { path: 'Dockerfile', content: dockerfile(o) },
    { path: 'README.md', content: readme(o) },
    { path: 'package.json', content: packageJson(o) },
    { path: 'tsconfig.json', content: tsconfig() },
    { path: `src/${file}.ts`, content: resourceModule(o) },
    { path: 'src/controller.ts', content: controllerModule(o) },
    { path: 'src/operator.ts', content: operatorModule(o) },
    { path: 'test/operator.test.ts', content: testModule(o) },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Import lines sorted by module path, as Biome orders them. */
function sortedImports(imports: ReadonlyArray<readonly [name: string, from: string]>): string {
  return [...imports]
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, from]) => `import { ${name} } from '${from}';`)
    .join('\n');
}

/**
 * The base image of the scaffolded Dockerfile, pinned by digest: the multi-platform index of the
 * official `node:24.19.0-slim`, as docker-library/repo-info records it (repos/node/remote/24.19.0-slim.md).
 * A tag can be moved to other bytes; a digest cannot. Update both together.
 */
export const BASE_IMAGE =
  'node:24.19.0-slim@sha256:cd84903a12dbd26b46f1f3b8144a2568c41c5d37ddd0c7a80a34c7a19786b35f';

/**
 * The Node options the generated image runs the operator with (its ENTRYPOINT), and the ones
 * `npm run bench` runs the Operon contender with, so that the benchmark measures what users run.
 */
export const NODE_FLAGS: readonly string[] = [
  // A young generation of at most 2 × 4 MiB instead of V8's 2 × 32 MiB: objects that live past a
  // few reconciles (the cache) are promoted either way, and the larger one only holds garbage
  // between collections. With 10,000 widgets and 10,000 ConfigMaps (bench/cache-memory.ts, 2 runs
  // each): RSS once synced 4,400 instead of 9,000–9,500 B per object, after the first reconciles
  // 13,000 instead of 16,700–18,500 B, sync and CPU no slower (3.2 vs 4.2–5.7 s, 16.5 vs 18.2–22.7 s).
  '--max-semi-space-size=4',
];

/** `24.21.0` from `^24.21.0`: the exact version an install-script approval can be pinned to. */
export function exactVersion(range: string): string | undefined {
  const v = range.replace(/^[\^~=v]+/, '');
  return /^\d+\.\d+\.\d+$/.test(v) ? v : undefined;
}

function packageJson(o: ProjectOptions): string {
  // Written as text, laid out as Biome formats JSON, so the file is stable and lint-clean. The
  // node package's install script puts Node 24 in node_modules/.bin; its approval in allowScripts
  // is pinned to the exact version the project depends on, so a new version's script is not run
  // unreviewed (npm's pinned "name@version" entries). A checkout of operon linked by path builds
  // its dist/ in its prepare script (npm names a linked package by its spec there, which has no
  // version to pin).
  const nodeVersion = exactVersion(o.node);
  const nodeSpec = nodeVersion ?? o.node;
  const nodeApproval = nodeVersion ? `node@${nodeVersion}` : 'node';
  // esbuild's install script only checks for its platform binary, which npm installs as one of its
  // optional dependencies anyway: declined, pinned like node's, so npm does not ask about it.
  const esbuildVersion = exactVersion(o.esbuild);
  const esbuildDecline = esbuildVersion ? `esbuild@${esbuildVersion}` : 'esbuild';
  return `{
  "name": ${JSON.stringify(o.name)},
  "version": "0.1.0",
  "private": true,
  "description": ${JSON.stringify(`A Kubernetes operator for ${o.kind} resources (${o.group}), built with Operon.`)},
  "type": "module",
  "engines": {
    "node": ">=22.18.0"
  },
  "operon": {
    "entry": "src/operator.ts"
  },
  "scripts": {
    "build": "operon build",
    "test": "tsc -p tsconfig.json && node --test \\"test/**/*.test.ts\\"",
    "start": "node src/operator.ts",
    "generate": "operon generate manifests --out config"
  },
  "dependencies": {
    "operon": ${JSON.stringify(o.operon)}
  },
  "devDependencies": {
    "@types/node": ${JSON.stringify(o.typesNode)},
    "esbuild": ${JSON.stringify(o.esbuild)},
    "node": ${JSON.stringify(nodeSpec)},
    "typescript": ${JSON.stringify(o.typescript)}
  },
  "allowScripts": {
    ${JSON.stringify(esbuildDecline)}: false,
    ${JSON.stringify(nodeApproval)}: true${o.operon.startsWith('file:') ? `,\n    ${JSON.stringify(o.operon)}: true` : ''}
  }
}
`;
}

function tsconfig(): string {
  return `{
  "compilerOptions": {
    "target": "es2023",
    "lib": ["es2023", "esnext.disposable"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "noFallthroughCasesInSwitch": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true,
    "allowImportingTsExtensions": true,
    "noEmit": true,
    "skipLibCheck": true
  },
  "include": ["src", "test"]
}
`;
}

function npmrc(): string {
  // npm pins an install-script approval (allowScripts "node@24.21.0") only when the lockfile records
  // where each package came from; some setups turn that off, which would leave the pin unmatched.
  return `omit-lockfile-registry-resolved=false
`;
}

function gitignore(): string {
  return `node_modules/
dist/
*.log
.DS_Store
`;
}

/** The image's command: node with NODE_FLAGS, running the bundle of `operon build`. */
export function imageEntrypoint(): string[] {
  return ['node', ...NODE_FLAGS, 'dist/operator.mjs'];
}

function dockerfile(o: ProjectOptions): string {
  return `# The operator's image: docker build -t ${o.name}:0.1.0 .
# The TypeScript sources and Operon are bundled into one minified JavaScript file (npm run build:
# operon build) in a build stage; the image runs that file, with no TypeScript loader.

# The base image, pinned by digest (a tag can move; a digest cannot). To update it, take the digest
# of the new tag from docker-library/repo-info or \`docker buildx imagetools inspect node:TAG\`.
ARG BASE_IMAGE=${BASE_IMAGE}

# Stage 1: the production dependencies, exactly as the lockfile says, with no install scripts.
FROM \${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 2: src/ and Operon bundled into dist/operator.mjs by operon build (esbuild, from the lockfile),
# with no install scripts; the image's own node runs it (the node devDependency's binary is put in
# place by an install script).
FROM \${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN node node_modules/operon/dist/cli/main.js build

# Stage 3: the bundled operator and the production dependencies (the bundle loads what it imports
# only when used from node_modules), nothing else. No package manager
# at runtime: npm, npx, corepack and yarn are removed, and the command is node itself.
FROM \${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# UID 65532 is the one the generated Deployment runs as; numeric, so runAsNonRoot can check it.
RUN groupadd --system --gid 65532 operator \\
  && useradd --system --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin operator \\
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \\
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --chown=0:0 package.json ./
COPY --from=build --chown=0:0 /app/dist ./dist
# Owned by root, run as 65532: the process cannot change its own code. It writes nothing to disk,
# so the Deployment's readOnlyRootFilesystem: true holds.
USER 65532:65532
# Node options: a young generation of at most 2 × 4 MiB (V8 grows it to 2 × 32 MiB), which between
# collections holds only garbage; Operon's benchmark runs its operator with the same options.
ENTRYPOINT ${JSON.stringify(imageEntrypoint()).replaceAll('","', '", "')}
`;
}

function readme(o: ProjectOptions): string {
  const { file, plural } = kindNames(o.kind);
  const local = o.operon.startsWith('file:');
  return `# ${o.name}

A Kubernetes operator, built with Operon. It defines the custom resource \`${o.kind}\`
(\`${plural}.${o.group}\`): a message and a replica count. For each ${o.kind} the controller applies a
ConfigMap of the same name that holds them, owned by the ${o.kind} so that Kubernetes deletes it
with its owner, and reports \`Ready=True\` in the ${o.kind}'s status.

| file | what it is |
|---|---|
| \`src/${file}.ts\` | the resource: its schema gives the TypeScript type and the CRD |
| \`src/controller.ts\` | the reconcile: apply the ConfigMap, then write the status |
| \`src/operator.ts\` | the operator: what \`npm start\` runs and \`npm run generate\` reads |
| \`test/operator.test.ts\` | the controller against a real API server on this machine |

## Test

\`\`\`sh
npm install
npm test
\`\`\`

\`npm test\` type-checks, then runs the tests with Node's test runner against a local control plane
(etcd and kube-apiserver) that Operon starts and stops for you. The first time, if the control-plane
binaries are missing, it says so: \`npx operon controlplane install\` builds them once (with Go).

## Run

\`\`\`sh
npx operon cluster up                                   # a local cluster, if you have none
export KUBECONFIG="$(npx operon cluster kubeconfig)"
npm run generate && kubectl apply -f config/crds/       # install the CRD
npm start                                               # the operator, until Ctrl-C
\`\`\`

Then, in another terminal:

\`\`\`sh
kubectl apply -f - <<EOF
apiVersion: ${o.group}/v1
kind: ${o.kind}
metadata:
  name: hello
spec:
  message: Hello, world
  replicas: 1
EOF
kubectl get ${plural}
kubectl get configmap hello -o yaml
\`\`\`

\`npm start\` runs against the cluster of your kubeconfig (\`KUBECONFIG\` or \`~/.kube/config\`).

## Deploy

\`npm run generate\` writes \`config/\`: the CRD, least-privilege RBAC derived from the controller,
a Namespace and a hardened Deployment, with a \`kustomization.yaml\`. Build the image the Deployment
names (\`${o.name}:0.1.0\`, set in \`src/operator.ts\`) and apply. The image bundles \`src/\` and
Operon into one JavaScript file (\`npm run build\`: \`operon build\`, into \`dist/operator.mjs\`) and
runs \`node dist/operator.mjs\`:

\`\`\`sh
docker build -t ${o.name}:0.1.0 .
kubectl apply -k config
\`\`\`
${
  local
    ? `
This project depends on a local checkout of Operon (\`${o.operon}\`), which the image build cannot
reach: depend on a published version, or on a tarball made with \`npm pack\`, before building it.
`
    : ''
}`;
}

function resourceModule(o: ProjectOptions): string {
  return `/**
 * The ${o.kind} custom resource: a message and a replica count, which the controller writes into a
 * ConfigMap it owns, and a status whose Ready condition says whether that is done.
 */

import { conditions, defineResource, type ObjectType, Type } from 'operon/resource';

export const ${o.kind} = defineResource({
  group: '${o.group}',
  kind: '${o.kind}',
  description: '${o.kind} publishes a message in a ConfigMap of the same name.',
  versions: {
    v1: {
      spec: Type.Object({
        message: Type.String({ minLength: 1, maxLength: 1024, description: 'The message to publish.' }),
        replicas: Type.Integer({
          minimum: 0,
          maximum: 10,
          default: 1,
          description: 'Replicas to run, 0 to 10; recorded in the ConfigMap.',
        }),
      }),
      status: Type.Object({
        observedGeneration: Type.Optional(
          Type.Integer({ description: 'The generation this status describes.' }),
        ),
        // metav1.Condition with its validations, a list keyed by type.
        conditions: Type.Optional(conditions('Ready when the ConfigMap is applied.')),
      }),
      printerColumns: [
        { name: 'Message', type: 'string', jsonPath: '.spec.message' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    },
  },
});

export type ${o.kind} = ObjectType<typeof ${o.kind}>;
`;
}

function controllerModule(o: ProjectOptions): string {
  const { file, controller } = kindNames(o.kind);
  return `/**
 * The ${o.kind} controller: for each ${o.kind} it applies a ConfigMap that holds the message, owned
 * by the ${o.kind}, then reports Ready in the ${o.kind}'s status.
 */

import { ConfigMap } from 'operon/client';
import {
  Action,
  applyOwned,
  controller,
  type ReconcileContext,
  setCondition,
  updateStatus,
} from 'operon/controller';
import { ${o.kind} } from './${file}.ts';

/** The ConfigMap a ${o.kind} wants: same name and namespace, the message and replicas as data. */
export function desiredConfigMap(object: ${o.kind}): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: object.metadata!.name!,
      labels: { 'app.kubernetes.io/managed-by': '${o.name}' },
    },
    data: { message: object.spec.message, replicas: String(object.spec.replicas) },
  };
}

async function reconcile(ctx: ReconcileContext<${o.kind}>): Promise<Action> {
  // Level-triggered: whatever woke us up, read the object as it is now and make the world match.
  const object = await ctx.get();
  // Gone: its ConfigMap goes with it, by its owner reference.
  if (!object) return Action.done();

  // Server-side apply states the fields this controller owns: repeating it changes nothing, and a
  // hand edit or deletion is undone, since \`owns\` makes any change to the ConfigMap reconcile its owner.
  const configMap = await applyOwned(ctx.client, object, ConfigMap, desiredConfigMap(object), ctx);

  // setCondition moves lastTransitionTime only when the status changes; updateStatus writes only
  // when the status differs, so a reconcile with nothing to do writes nothing.
  const generation = object.metadata?.generation;
  const conditions = setCondition(object.status?.conditions, {
    type: 'Ready',
    status: 'True',
    reason: 'ConfigMapApplied',
    message: \`ConfigMap \${configMap.metadata?.name} holds the message\`,
    observedGeneration: generation,
  });
  const status = { observedGeneration: generation, conditions };
  await updateStatus(ctx.client, ${o.kind}, object, status, ctx);
  return Action.done();
}

export const ${controller} = controller({
  name: '${file}',
  for: ${o.kind},
  owns: [ConfigMap],
  permissions: { status: ['update'] },
  reconcile: (_request, ctx) => reconcile(ctx),
});
`;
}

function operatorModule(o: ProjectOptions): string {
  const { file, controller } = kindNames(o.kind);
  return `/**
 * The ${o.name} operator: its definition (what \`operon generate\` reads) and, when run directly,
 * the operator itself: \`node src/operator.ts\` with a kubeconfig, or in a cluster from its image
 * (bundled into dist/operator.mjs by \`npm run build\`).
 */

import { defineOperator } from 'operon/manager';
${sortedImports([
  [controller, './controller.ts'],
  [o.kind, `./${file}.ts`],
])}

const operator = defineOperator({
  name: '${o.name}',
  image: '${o.name}:0.1.0',
  resources: [${o.kind}],
  controllers: [${controller}],
});
export default operator;

if (import.meta.main) process.exitCode = await operator.run();
`;
}

function testModule(o: ProjectOptions): string {
  const { file, controller } = kindNames(o.kind);
  return `import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { findCondition } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { type ControlPlane, useControlPlane } from 'operon/testing';
${sortedImports([
  [controller, '../src/controller.ts'],
  [o.kind, `../src/${file}.ts`],
])}

let plane: ControlPlane;
let client: Client;

before(async () => {
  // A real etcd and kube-apiserver on this machine, with the ${o.kind} CRD installed.
  plane = await useControlPlane({ crds: [${o.kind}.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** Polls \`read\` until it returns a value; fails after \`ms\`. */
async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(\`timed out waiting for \${what}\`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('applies a ConfigMap with the message and reports Ready', async () => {
  await using ns = await plane.createNamespace();
  const manager = await createManager({
    config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
    namespace: ns.name,
    metricsAddress: false,
    healthAddress: false,
    log: createLogger({ level: 'warn' }),
  });
  manager.add(${controller});
  const stop = new AbortController();
  const running = manager.start(stop.signal);
  try {
    await client.create(${o.kind}, {
      metadata: { name: 'hello', namespace: ns.name },
      spec: { message: 'Hello, world', replicas: 2 },
    });

    const configMap = await until('the ConfigMap', () =>
      client.get(ConfigMap, 'hello', { namespace: ns.name }),
    );
    assert.deepEqual(configMap.data, { message: 'Hello, world', replicas: '2' });
    assert.equal(configMap.metadata?.ownerReferences?.[0]?.kind, '${o.kind}');

    const ready = await until('Ready=True', async () => {
      const object = await client.get(${o.kind}, 'hello', { namespace: ns.name });
      return findCondition(object.status?.conditions, 'Ready')?.status === 'True' ? object : undefined;
    });
    assert.equal(ready.status?.observedGeneration, ready.metadata?.generation);
  } finally {
    stop.abort();
    await running;
  }
});
`;
}
