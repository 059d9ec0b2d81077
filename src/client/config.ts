/**
 * Cluster configuration: `loadConfig()` finds the API server and the credentials to use the way
 * client-go and controller-runtime do (kubeconfig option, KUBECONFIG, in-cluster service account,
 * ~/.kube/config) and returns a `ClusterConfig` whose `auth` refreshes credentials when they expire.
 */

import { readFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { ErrorCode, OperonError } from '../errors.ts';
import { type ExecClusterInfo, type ExecPlugin, execApiVersions, runExecPlugin } from './exec-credential.ts';

/** What a request authenticates with: a client certificate and key (PEM), a bearer token, or basic auth. */
export interface Credentials {
  cert?: string;
  key?: string;
  token?: string;
  username?: string;
  password?: string;
}

/** Resolves credentials lazily; caches them; `invalidate()` after a 401 forces a refresh (exec plugin rerun / token file reread). */
export interface AuthProvider {
  credentials(signal?: AbortSignal): Promise<Credentials>;
  invalidate(): void;
  readonly kind: 'none' | 'static' | 'token-file' | 'exec';
}

/** Where the API server is, how to trust it, and how to authenticate to it. */
export interface ClusterConfig {
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** PEM bundle (from certificate-authority-data or the certificate-authority file). */
  ca?: string;
  insecureSkipTLSVerify: boolean;
  tlsServerName?: string;
  /** The cluster's proxy-url. */
  proxyUrl?: string;
  /** The context's namespace, the in-cluster namespace, else `default`. */
  namespace: string;
  /** Undefined for in-cluster configuration. */
  contextName?: string;
  /** Where this came from, for messages: `/home/u/.kube/config (context "kind")` or `in-cluster service account (…)`. */
  source: string;
  auth: AuthProvider;
  /**
   * Act as another user (the kubeconfig's `as`, `as-groups`, `as-uid` and `as-user-extra`, or set
   * in code), e.g. an operator's ServiceAccount: sent as the Impersonate-* headers on every request.
   */
  impersonate?: Impersonation;
}

/** Who to act as: the Impersonate-User, -Group, -Uid and -Extra-* headers. */
export interface Impersonation {
  user: string;
  groups?: readonly string[];
  uid?: string;
  /** Extra user information, e.g. `{ scopes: ['view'] }`. */
  extra?: Readonly<Record<string, readonly string[]>>;
}

/** Where the loader reports what it accepts but thinks wrong (an unknown field) and what exec plugins print to stderr. */
export type ConfigWarn = (message: string, fields?: Record<string, unknown>) => void;

export interface LoadConfigOptions {
  /** Kubeconfig path list, separated like KUBECONFIG (':' on POSIX). Overrides KUBECONFIG; every file named must exist. */
  kubeconfig?: string;
  /** Use this context instead of current-context. A context only exists in a kubeconfig, so `loadConfig()` then skips in-cluster configuration. */
  context?: string;
  /** Environment to read KUBECONFIG, HOME, KUBERNETES_SERVICE_* and POD_NAMESPACE from, and to run exec plugins with. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Service account directory. Default `/var/run/secrets/kubernetes.io/serviceaccount`; set it in tests. */
  inClusterRoot?: string;
  /** For tests: the clock (epoch milliseconds) used for token-file age and credential expiry. Default `Date.now`. */
  now?: () => number;
  /**
   * Gets warnings: unknown fields in a user entry, and what exec plugins write to stderr (which may
   * hold secrets, so it never goes into an error message). Pass a logger's `warn`; default
   * `process.emitWarning` for unknown fields, and nothing for plugin stderr.
   */
  warn?: ConfigWarn;
}

export interface KubeconfigObjectOptions {
  /** Use this context instead of current-context. */
  context?: string;
  /** Names the kubeconfig in messages and in `ClusterConfig.source`. Default `kubeconfig object`. */
  source?: string;
  /** Directory that relative paths (certificate-authority, client-certificate, client-key, tokenFile, exec command) resolve against. */
  baseDir?: string;
  /** Environment exec plugins run with. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** For tests: the clock (epoch milliseconds). Default `Date.now`. */
  now?: () => number;
  /** Gets warnings, as `LoadConfigOptions.warn`. */
  warn?: ConfigWarn;
}

const defaultInClusterRoot = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go rereads token files (kubeconfig tokenFile, projected service account tokens) after this long. */
const tokenFileMaxAgeMs = 60_000;
/** Exec credentials are refreshed this long before they expire (at most half their lifetime). */
const execRefreshLeewayMs = 30_000;
const execTimeoutMs = 60_000;

/** Loads configuration from the first that applies: `options.kubeconfig`, KUBECONFIG, the in-cluster service account, ~/.kube/config. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ClusterConfig> {
  const env = options.env ?? process.env;
  if (options.kubeconfig || env.KUBECONFIG) return loadKubeconfig(options);
  const root = options.inClusterRoot ?? defaultInClusterRoot;
  const tokenPath = join(root, 'token');
  let inCluster: string;
  if (options.context) inCluster = `skipped, because context "${options.context}" was asked for`;
  else if (!env.KUBERNETES_SERVICE_HOST) inCluster = 'KUBERNETES_SERVICE_HOST is not set';
  else if (!(await exists(tokenPath))) inCluster = `${tokenPath} does not exist`;
  else return inClusterConfig(options);
  return loadHomeKubeconfig(options, env, inCluster);
}

/** Loads configuration from kubeconfig files only: `options.kubeconfig`, else KUBECONFIG, else ~/.kube/config. */
export async function loadKubeconfig(options: LoadConfigOptions = {}): Promise<ClusterConfig> {
  const env = options.env ?? process.env;
  if (options.kubeconfig) {
    const paths = splitPathList(options.kubeconfig);
    const files = await readKubeconfigFiles(paths, { mustExist: true, origin: 'the kubeconfig option' });
    return fromFiles(files, options, env);
  }
  if (env.KUBECONFIG) {
    const paths = splitPathList(env.KUBECONFIG);
    const files = await readKubeconfigFiles(paths, { mustExist: false, origin: 'KUBECONFIG' });
    if (files.length === 0) {
      throw invalid(
        `None of the files in KUBECONFIG exist: ${paths.join(', ')}. Point KUBECONFIG at an existing kubeconfig, ` +
          'or unset it to use ~/.kube/config (or the in-cluster service account when running in a pod).',
      );
    }
    return fromFiles(files, options, env);
  }
  return loadHomeKubeconfig(options, env, 'not consulted by loadKubeconfig(); loadConfig() uses it');
}

/** Configuration for a pod: KUBERNETES_SERVICE_HOST/PORT and the mounted service account (token, ca.crt, namespace). */
export async function inClusterConfig(options: LoadConfigOptions = {}): Promise<ClusterConfig> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const root = options.inClusterRoot ?? defaultInClusterRoot;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    const missing = [!host && 'KUBERNETES_SERVICE_HOST', !port && 'KUBERNETES_SERVICE_PORT'].filter(Boolean);
    throw invalid(
      `Not running in a Kubernetes cluster: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set ` +
        '(Kubernetes sets both in every pod). Outside a cluster, use a kubeconfig: loadConfig() or loadKubeconfig().',
    );
  }
  const source = `in-cluster service account (${root})`;
  const tokenPath = join(root, 'token');
  let token: string;
  try {
    token = (await readFile(tokenPath, 'utf8')).trim();
  } catch (err) {
    throw invalid(
      `Cannot read the service account token ${tokenPath} (${errorCode(err)}). Mount one: the pod's service account must ` +
        'exist and automountServiceAccountToken must not be false (or mount a projected token there).',
      err,
    );
  }
  if (!token) {
    throw invalid(`The service account token ${tokenPath} is empty. Check the pod's token volume.`);
  }
  const ca = await readOptional(join(root, 'ca.crt'), source);
  const namespace =
    env.POD_NAMESPACE || (await readOptional(join(root, 'namespace'), source))?.trim() || 'default';
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    server: `https://${bracketed}:${port}`,
    ...(ca ? { ca } : {}),
    insecureSkipTLSVerify: false,
    namespace,
    source,
    auth: tokenFileProvider(tokenPath, {
      now,
      initial: token,
      describe: 'the service account token',
    }),
  };
}

/** Builds configuration from a parsed kubeconfig (one file's content), as `loadKubeconfig()` does for each file. */
export function configFromKubeconfigObject(obj: unknown, opts: KubeconfigObjectOptions = {}): ClusterConfig {
  const file = parseKubeconfig(obj, opts.source ?? 'kubeconfig object', opts.baseDir);
  return resolveContext(merge([file]), {
    context: opts.context,
    env: opts.env ?? process.env,
    now: opts.now ?? Date.now,
    ...(opts.warn ? { warn: opts.warn } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Files

type Obj = Record<string, unknown>;

/** A named cluster, user or context, remembering the file it came from. */
interface Entry {
  name: string;
  value: Obj;
  file: string;
  baseDir: string | undefined;
}

interface KubeconfigFile {
  file: string;
  clusters: Entry[];
  users: Entry[];
  contexts: Entry[];
  currentContext: string | undefined;
}

interface Merged {
  files: string[];
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
  currentContext: { name: string; file: string } | undefined;
}

function splitPathList(list: string): string[] {
  const seen = new Set<string>();
  for (const p of list.split(delimiter)) if (p) seen.add(p);
  return [...seen];
}

async function loadHomeKubeconfig(
  options: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
  inCluster: string,
): Promise<ClusterConfig> {
  const home = env.HOME || env.USERPROFILE;
  const path = home ? join(home, '.kube', 'config') : undefined;
  const files = path
    ? await readKubeconfigFiles([path], { mustExist: false, origin: 'the default location' })
    : [];
  if (files.length > 0) return fromFiles(files, options, env);
  throw invalid(
    'No Kubernetes configuration found. Looked at:\n' +
      '  - KUBECONFIG: not set\n' +
      `  - in-cluster service account: ${inCluster}\n` +
      `  - ${path ?? '~/.kube/config'}: ${path ? 'does not exist' : 'HOME is not set'}\n` +
      'Do one of: set KUBECONFIG to a kubeconfig file (or pass the kubeconfig option); create ~/.kube/config ' +
      '(kind, minikube, "gcloud container clusters get-credentials" and "aws eks update-kubeconfig" write one); ' +
      'or run inside a Kubernetes cluster with a service account token mounted.',
  );
}

async function readKubeconfigFiles(
  paths: readonly string[],
  how: { mustExist: boolean; origin: string },
): Promise<KubeconfigFile[]> {
  const files: KubeconfigFile[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT' && !how.mustExist) continue;
      throw invalid(
        `Cannot read kubeconfig ${path} (from ${how.origin}): ${errorCode(err)}. Fix the path or the file's permissions.`,
        err,
      );
    }
    files.push(parseKubeconfig(await parseYaml(text, path), path, dirname(path)));
  }
  return files;
}

/**
 * The YAML parser, loaded on the first kubeconfig read: an operator in a cluster reads none (it
 * uses its service account), and the parser is 72 modules. Taken from the module's `default` (its
 * CommonJS exports), which Node gives it unbundled and esbuild in the lazily loaded chunk that
 * `operon build` makes of it (where it has no named exports).
 */
let yaml: Promise<typeof import('yaml')> | undefined;

async function parseYaml(text: string, path: string): Promise<unknown> {
  yaml ??= import('yaml').then((m) => m.default);
  const { parse } = await yaml;
  try {
    return parse(text);
  } catch (err) {
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const reason = String((err as Error).message ?? err)
      .split('\n')[0]!
      .replace(/ at line \d+, column \d+:?$/, '');
    // The parser's own message quotes the offending line, which may hold a token: the cause keeps
    // only the first line of it.
    throw invalid(
      `${path}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${reason}. Fix the file, or point KUBECONFIG elsewhere.`,
      new SyntaxError(`${reason}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}`),
    );
  }
}

function parseKubeconfig(obj: unknown, file: string, baseDir: string | undefined): KubeconfigFile {
  const fail = (msg: string): never => {
    throw invalid(`${file}: ${msg}`);
  };
  if (obj === null || obj === undefined) {
    return { file, clusters: [], users: [], contexts: [], currentContext: undefined };
  }
  if (!isObject(obj)) fail('is not a kubeconfig (expected a mapping with clusters, users and contexts).');
  const config = obj as Obj;
  if (config.kind !== undefined && config.kind !== null && config.kind !== 'Config') {
    fail(
      `is a ${typeof config.kind === 'string' ? JSON.stringify(config.kind) : typeName(config.kind)}, not a kubeconfig (kind: Config).`,
    );
  }
  const list = (key: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context'): Entry[] => {
    const items = config[key];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) return fail(`"${key}" must be a list of {name, ${inner}}.`);
    const seen = new Set<string>();
    return items.map((item: unknown, i): Entry => {
      if (!isObject(item) || typeof item.name !== 'string' || item.name === '') {
        return fail(`${key}[${i}] has no name. Give every entry of "${key}" a name.`);
      }
      if (seen.has(item.name)) {
        fail(`defines ${inner} "${item.name}" twice in "${key}". Remove or rename one.`);
      }
      seen.add(item.name);
      const value = item[inner] ?? {};
      if (!isObject(value)) fail(`${key}[${i}] ("${item.name}"): "${inner}" must be a mapping.`);
      return { name: item.name, value: value as Obj, file, baseDir };
    });
  };
  const current = config['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') {
    fail('"current-context" must be a string.');
  }
  return {
    file,
    clusters: list('clusters', 'cluster'),
    users: list('users', 'user'),
    contexts: list('contexts', 'context'),
    currentContext: (current as string | null | undefined) || undefined,
  };
}

/** Merges like client-go: for each name the first file defining it wins; current-context from the first file that sets it. */
function merge(files: readonly KubeconfigFile[]): Merged {
  const merged: Merged = {
    files: files.map((f) => f.file),
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: undefined,
  };
  for (const f of files) {
    for (const [key, entries] of [
      ['clusters', f.clusters],
      ['users', f.users],
      ['contexts', f.contexts],
    ] as const) {
      const map = merged[key];
      for (const e of entries) if (!map.has(e.name)) map.set(e.name, e);
    }
    if (!merged.currentContext && f.currentContext) {
      merged.currentContext = { name: f.currentContext, file: f.file };
    }
  }
  return merged;
}

function fromFiles(
  files: KubeconfigFile[],
  options: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
): ClusterConfig {
  return resolveContext(merge(files), {
    context: options.context,
    env,
    now: options.now ?? Date.now,
    ...(options.warn ? { warn: options.warn } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Context, cluster, user

interface ResolveOptions {
  context: string | undefined;
  env: NodeJS.ProcessEnv;
  now: () => number;
  warn?: ConfigWarn;
}

function resolveContext(merged: Merged, opts: ResolveOptions): ClusterConfig {
  const where = merged.files.join(', ');
  const names = (map: Map<string, Entry>) =>
    map.size === 0 ? 'none' : [...map.keys()].map((n) => JSON.stringify(n)).join(', ');

  const contextName = opts.context || merged.currentContext?.name;
  if (!contextName) {
    throw invalid(
      merged.contexts.size === 0
        ? `${where} defines no contexts, so there is no cluster to use. Add one ("kubectl config set-context"), ` +
            'or point KUBECONFIG at a complete kubeconfig.'
        : `${where} sets no current-context. Available contexts: ${names(merged.contexts)}. ` +
            'Run "kubectl config use-context NAME", or pass the context option.',
    );
  }
  const context = merged.contexts.get(contextName);
  if (!context) {
    const asked = opts.context
      ? `Context "${contextName}" (from the context option)`
      : `current-context "${contextName}" (set in ${merged.currentContext?.file})`;
    throw invalid(
      `${asked} is not defined in ${where}. Available contexts: ${names(merged.contexts)}. ` +
        (opts.context
          ? 'Pass one of these.'
          : 'Run "kubectl config use-context NAME" with one of these, or pass the context option.'),
    );
  }
  const contextSite: Site = { file: context.file, context: contextName, entity: `context "${contextName}"` };
  const clusterName = stringField(context.value, 'cluster', contextSite);
  if (!clusterName) {
    throw siteError(
      contextSite,
      `"cluster" is not set. Set it to one of the clusters: ${names(merged.clusters)}.`,
    );
  }
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw siteError(
      contextSite,
      `names cluster "${clusterName}", which is not defined in ${where}. Defined clusters: ${names(merged.clusters)}. ` +
        'Fix the context\'s "cluster" or add the cluster ("kubectl config set-cluster").',
    );
  }
  const userName = stringField(context.value, 'user', contextSite);
  const user = userName ? merged.users.get(userName) : undefined;
  if (userName && !user) {
    throw siteError(
      contextSite,
      `names user "${userName}", which is not defined in ${where}. Defined users: ${names(merged.users)}. ` +
        'Fix the context\'s "user" or add the user ("kubectl config set-credentials").',
    );
  }
  const namespace = stringField(context.value, 'namespace', contextSite) ?? 'default';
  if (!isDnsLabel(namespace)) {
    throw siteError(
      contextSite,
      `"namespace" ${JSON.stringify(namespace)} is not a valid namespace name (a DNS label).`,
    );
  }

  const clusterSite: Site = { file: cluster.file, context: contextName, entity: `cluster "${clusterName}"` };
  const tls = resolveCluster(cluster, clusterSite);
  const extra = [
    cluster.file !== context.file ? `cluster from ${cluster.file}` : undefined,
    user && user.file !== context.file ? `user from ${user.file}` : undefined,
  ].filter(Boolean);
  const source = `${context.file} (context "${contextName}"${extra.length ? `; ${extra.join('; ')}` : ''})`;
  let auth = noAuth;
  let impersonate: Impersonation | undefined;
  if (user) {
    const userSite: Site = { file: user.file, context: contextName, entity: `user "${user.name}"` };
    auth = resolveUser(user, userSite, tls, opts);
    impersonate = resolveImpersonation(user, userSite);
  }
  return {
    server: tls.server,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    insecureSkipTLSVerify: tls.insecureSkipTLSVerify,
    ...(tls.tlsServerName !== undefined ? { tlsServerName: tls.tlsServerName } : {}),
    ...(tls.proxyUrl !== undefined ? { proxyUrl: tls.proxyUrl } : {}),
    namespace,
    contextName,
    source,
    auth,
    ...(impersonate ? { impersonate } : {}),
  };
}

/** The fields of a kubeconfig user entry (clientcmd's AuthInfo); any other gets a warning. */
const USER_FIELDS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'as',
  'as-uid',
  'as-groups',
  'as-user-extra',
  'username',
  'password',
  'auth-provider',
  'exec',
  'extensions',
]);

/** `as`, `as-uid`, `as-groups` and `as-user-extra`, as kubectl reads them. */
function resolveImpersonation(user: Entry, site: Site): Impersonation | undefined {
  const u = user.value;
  const as = stringField(u, 'as', site);
  const uid = stringField(u, 'as-uid', site);
  const groupsValue = u['as-groups'] ?? [];
  if (!Array.isArray(groupsValue) || !groupsValue.every((g) => typeof g === 'string')) {
    throw siteError(site, `"as-groups" must be a list of strings, not ${listTypeName(groupsValue)}.`);
  }
  const groups = groupsValue as string[];
  const extraValue = u['as-user-extra'] ?? {};
  if (!isObject(extraValue)) {
    throw siteError(
      site,
      `"as-user-extra" must be a mapping of lists of strings, not ${typeName(extraValue)}.`,
    );
  }
  const extra: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(extraValue)) {
    if (values === null || values === undefined) continue;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
      throw siteError(
        site,
        `"as-user-extra" key ${JSON.stringify(key)} must be a list of strings, not ${listTypeName(values)}.`,
      );
    }
    extra[key] = values as string[];
  }
  const hasExtra = Object.keys(extra).length > 0;
  if (as === undefined) {
    if (uid !== undefined || groups.length > 0 || hasExtra) {
      // The API server refuses groups, uid or extra without a user to impersonate.
      throw siteError(
        site,
        'sets "as-groups", "as-uid" or "as-user-extra" without "as": impersonation needs a user name. Set "as".',
      );
    }
    return undefined;
  }
  return Object.freeze({
    user: as,
    ...(groups.length > 0 ? { groups: Object.freeze([...groups]) } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(hasExtra ? { extra: Object.freeze(extra) } : {}),
  });
}

interface ResolvedCluster {
  server: string;
  ca: string | undefined;
  insecureSkipTLSVerify: boolean;
  tlsServerName: string | undefined;
  proxyUrl: string | undefined;
  execConfig: unknown;
}

function resolveCluster(cluster: Entry, site: Site): ResolvedCluster {
  const c = cluster.value;
  const server = stringField(c, 'server', site);
  if (!server) {
    throw siteError(
      site,
      `"server" is not set. Set it to the API server's URL, e.g. https://127.0.0.1:6443 ` +
        `("kubectl config set-cluster ${cluster.name} --server=URL").`,
    );
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
    throw siteError(
      site,
      `"server" ${JSON.stringify(redactUrl(server))} has no scheme. Write it as https://${redactUrl(server)}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch (err) {
    throw siteError(site, `"server" ${JSON.stringify(redactUrl(server))} is not a valid URL. Fix it.`, err);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw siteError(site, `"server" ${JSON.stringify(redactUrl(server))} must use https:// (or http://).`);
  }

  const ca = pemFromDataOrFile(cluster, site, 'certificate-authority-data', 'certificate-authority');
  const insecure = c['insecure-skip-tls-verify'] ?? false;
  if (typeof insecure !== 'boolean')
    throw siteError(site, '"insecure-skip-tls-verify" must be true or false.');
  if (insecure && ca !== undefined) {
    throw siteError(
      site,
      'sets both a certificate authority and "insecure-skip-tls-verify: true". Remove one: ' +
        'verifying against the CA is the safe choice.',
    );
  }
  const proxyUrl = stringField(c, 'proxy-url', site);
  if (proxyUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:', 'socks5:'].includes(new URL(proxyUrl).protocol);
    } catch {}
    if (!ok) {
      throw siteError(
        site,
        `"proxy-url" ${JSON.stringify(redactUrl(proxyUrl))} must be an http://, https:// or socks5:// URL.`,
      );
    }
  }
  const extensions = Array.isArray(c.extensions) ? c.extensions : [];
  const execExtension = extensions.find(
    (e: unknown) => isObject(e) && e.name === 'client.authentication.k8s.io/exec',
  ) as Obj | undefined;
  return {
    server: server.replace(/\/+$/, ''),
    ca,
    insecureSkipTLSVerify: insecure,
    tlsServerName: stringField(c, 'tls-server-name', site),
    proxyUrl,
    execConfig: execExtension?.extension,
  };
}

function resolveUser(user: Entry, site: Site, cluster: ResolvedCluster, opts: ResolveOptions): AuthProvider {
  const u = user.value;
  const unknown = Object.keys(u).filter((k) => !USER_FIELDS.has(k));
  if (unknown.length > 0) {
    // kubectl ignores them too, but a misspelt "as" or "token" silently changes who we are.
    const message =
      `${site.file}, ${site.entity}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} ignored ` +
      `(known: ${[...USER_FIELDS].join(', ')}). Check the spelling.`;
    if (opts.warn) opts.warn(message, { kubeconfig: site.file, user: user.name, fields: unknown });
    else process.emitWarning(message, { code: 'OPERON_KUBECONFIG_UNKNOWN_FIELD' });
  }
  if (u['auth-provider'] !== undefined && u['auth-provider'] !== null) {
    const name = isObject(u['auth-provider']) ? u['auth-provider'].name : undefined;
    throw siteError(
      site,
      `uses auth-provider ${JSON.stringify(name ?? '')}, which Operon does not support (kubectl dropped the built-in ` +
        'gcp and azure providers in 1.26). Use an exec credential plugin instead: gke-gcloud-auth-plugin for GKE ' +
        '(then "gcloud container clusters get-credentials" rewrites the kubeconfig), kubelogin for Azure ' +
        '("kubelogin convert-kubeconfig"), or kubelogin/kubectl oidc-login for OIDC.',
    );
  }
  const cert = pemFromDataOrFile(user, site, 'client-certificate-data', 'client-certificate');
  const key = pemFromDataOrFile(user, site, 'client-key-data', 'client-key');
  if (cert !== undefined && key === undefined) {
    throw siteError(site, 'has a client certificate but no "client-key" or "client-key-data". Add the key.');
  }
  if (key !== undefined && cert === undefined) {
    throw siteError(
      site,
      'has a client key but no "client-certificate" or "client-certificate-data". Add the certificate.',
    );
  }
  const token = stringField(u, 'token', site);
  const tokenFileField = stringField(u, 'tokenFile', site);
  const tokenFile = tokenFileField === undefined ? undefined : resolvePath(tokenFileField, user.baseDir);
  const username = stringField(u, 'username', site);
  const password = stringField(u, 'password', site);
  const basic = username !== undefined || password !== undefined;
  if (basic && (token !== undefined || tokenFile !== undefined)) {
    throw siteError(
      site,
      'has both a token and a username/password; only one authentication method is allowed. Remove one.',
    );
  }
  const fixed: Credentials = Object.freeze({
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  });

  if (tokenFile !== undefined) {
    let initial: string | undefined;
    try {
      initial = readFileSync(tokenFile, 'utf8').trim() || undefined;
    } catch (err) {
      // client-go falls back to a static token when the file cannot be read.
      if (token === undefined) {
        throw siteError(
          site,
          `cannot read "tokenFile" ${tokenFile} (${errorCode(err)}). Fix the path (relative paths are resolved ` +
            'against the directory of the kubeconfig that names them).',
          err,
        );
      }
    }
    if (initial === undefined && token === undefined) {
      throw siteError(site, `"tokenFile" ${tokenFile} is empty. Write the token into it.`);
    }
    return tokenFileProvider(tokenFile, {
      now: opts.now,
      ...(initial !== undefined ? { initial } : {}),
      fixed,
      describe: `the tokenFile of ${site.entity} in ${site.file}`,
    });
  }
  // Like client-go, credentials written in the kubeconfig take precedence over an exec plugin.
  if (Object.keys(fixed).length > 0) return staticProvider(fixed);
  if (u.exec !== undefined && u.exec !== null) {
    return execProvider(resolveExec(user, site, cluster), opts);
  }
  return noAuth;
}

function resolveExec(user: Entry, site: Site, cluster: ResolvedCluster): ExecPlugin {
  const exec = user.value.exec;
  if (!isObject(exec)) throw siteError(site, '"exec" must be a mapping with command and apiVersion.');
  const execSite: Site = { ...site, entity: `${site.entity}, exec` };
  const command = stringField(exec, 'command', execSite);
  if (!command) throw siteError(execSite, '"command" is not set. Set it to the credential plugin to run.');
  const apiVersion = stringField(exec, 'apiVersion', execSite);
  if (!apiVersion || !execApiVersions.includes(apiVersion)) {
    throw siteError(
      execSite,
      `"apiVersion" ${apiVersion ? JSON.stringify(apiVersion) : 'is not set; it'} must be one of ${execApiVersions.join(', ')}.`,
    );
  }
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw siteError(execSite, '"args" must be a list of strings.');
  }
  const envList = exec.env ?? [];
  if (!Array.isArray(envList)) throw siteError(execSite, '"env" must be a list of {name, value}.');
  const env = envList.map((e: unknown, i) => {
    if (!isObject(e) || typeof e.name !== 'string' || e.name === '') {
      throw siteError(execSite, `env[${i}] has no name. Every exec env entry needs a name.`);
    }
    return { name: e.name, value: typeof e.value === 'string' ? e.value : String(e.value ?? '') };
  });
  const mode = stringField(exec, 'interactiveMode', execSite);
  if (mode === 'Always') {
    throw siteError(
      execSite,
      '"interactiveMode: Always" needs a terminal, which an operator does not have. Use a plugin mode that ' +
        'runs non-interactively (IfAvailable or Never) and log in beforehand.',
    );
  }
  if (mode !== undefined && mode !== 'IfAvailable' && mode !== 'Never') {
    throw siteError(
      execSite,
      `"interactiveMode" ${JSON.stringify(mode)} must be Never, IfAvailable or Always.`,
    );
  }
  const provideClusterInfo = exec.provideClusterInfo ?? false;
  if (typeof provideClusterInfo !== 'boolean') {
    throw siteError(execSite, '"provideClusterInfo" must be true or false.');
  }
  const installHint = stringField(exec, 'installHint', execSite);
  return {
    command: command.includes(sep) ? resolvePath(command, user.baseDir) : command,
    args,
    env,
    apiVersion,
    ...(installHint !== undefined ? { installHint } : {}),
    ...(provideClusterInfo ? { cluster: execClusterInfo(cluster) } : {}),
    owner: `${site.entity} in ${site.file} (context "${site.context}")`,
  };
}

function execClusterInfo(cluster: ResolvedCluster): ExecClusterInfo {
  return {
    server: cluster.server,
    ...(cluster.tlsServerName !== undefined ? { 'tls-server-name': cluster.tlsServerName } : {}),
    ...(cluster.insecureSkipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(cluster.ca !== undefined
      ? { 'certificate-authority-data': Buffer.from(cluster.ca).toString('base64') }
      : {}),
    ...(cluster.proxyUrl !== undefined ? { 'proxy-url': cluster.proxyUrl } : {}),
    ...(cluster.execConfig !== undefined ? { config: cluster.execConfig } : {}),
  };
}

/** Reads a PEM value given inline (`<field>-data`, base64) or as a file path (relative to the kubeconfig). */
function pemFromDataOrFile(
  entry: Entry,
  site: Site,
  dataField: string,
  fileField: string,
): string | undefined {
  const data = stringField(entry.value, dataField, site);
  const fileValue = stringField(entry.value, fileField, site);
  if (data !== undefined && fileValue !== undefined) {
    throw siteError(site, `sets both "${dataField}" and "${fileField}". Keep one.`);
  }
  let pem: string;
  if (data !== undefined) {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) {
      throw siteError(
        site,
        `"${dataField}" is not base64. It holds the base64 of a PEM file ("base64 -w0 FILE").`,
      );
    }
    pem = Buffer.from(data, 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN')) {
      throw siteError(site, `"${dataField}" does not decode to PEM. It holds the base64 of a PEM file.`);
    }
    return pem;
  }
  if (fileValue === undefined) return undefined;
  const path = resolvePath(fileValue, entry.baseDir);
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw siteError(
      site,
      `cannot read "${fileField}" ${path} (${errorCode(err)}). Fix the path (relative paths are resolved against ` +
        'the directory of the kubeconfig that names them).',
      err,
    );
  }
  if (!pem.includes('-----BEGIN')) {
    throw siteError(site, `"${fileField}" ${path} is not a PEM file.`);
  }
  return pem;
}

// ---------------------------------------------------------------------------------------------
// Auth providers

const noAuth: AuthProvider = Object.freeze({
  kind: 'none' as const,
  credentials: async (signal?: AbortSignal) => {
    signal?.throwIfAborted();
    return Object.freeze({});
  },
  invalidate: () => {},
});

function staticProvider(credentials: Credentials): AuthProvider {
  return Object.freeze({
    kind: 'static' as const,
    credentials: async (signal?: AbortSignal) => {
      signal?.throwIfAborted();
      return credentials;
    },
    invalidate: () => {},
  });
}

interface Fetched {
  credentials: Credentials;
  /** Epoch ms after which the credentials are fetched again; Infinity for never. */
  refreshAt: number;
}

interface Run {
  promise: Promise<Credentials>;
  controller: AbortController;
  waiters: number;
}

/**
 * Caches what `fetch` returns until `refreshAt` or `invalidate()`, with one fetch at a time however
 * many callers wait; the fetch is aborted only when every caller waiting for it has aborted.
 */
function cachingProvider(
  kind: 'token-file' | 'exec',
  fetch: (signal: AbortSignal) => Promise<Fetched>,
  options: {
    now: () => number;
    initial?: Fetched;
    /** Keep serving the last good credentials when a scheduled (not invalidated) refresh fails, as client-go does for token files. */
    serveStale?: boolean;
    /** The last good credentials before any fetch succeeded. */
    fallback?: Credentials;
  },
): AuthProvider {
  const { now } = options;
  let cached = options.initial;
  let lastGood = options.initial?.credentials ?? options.fallback;
  let invalidated = false;
  let current: Run | undefined;

  const start = (): Run => {
    const controller = new AbortController();
    const forced = invalidated;
    const run: Run = { controller, waiters: 0, promise: Promise.resolve({}) };
    current = run;
    run.promise = (async () => {
      try {
        const fetched = await fetch(controller.signal);
        cached = fetched;
        lastGood = fetched.credentials;
        invalidated = false;
        return fetched.credentials;
      } catch (err) {
        if (options.serveStale && !forced && !controller.signal.aborted && lastGood) return lastGood;
        throw err;
      } finally {
        if (current === run) current = undefined;
      }
    })();
    run.promise.catch(() => {}); // every waiter gets the rejection; none may be left
    return run;
  };

  const wait = (run: Run, signal: AbortSignal | undefined): Promise<Credentials> => {
    run.waiters++;
    if (!signal) return run.promise;
    return new Promise<Credentials>((resolve, reject) => {
      const onAbort = () => {
        run.waiters--;
        if (run.waiters === 0) run.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      run.promise.then(
        (credentials) => {
          signal.removeEventListener('abort', onAbort);
          resolve(credentials);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  };

  return Object.freeze({
    kind,
    credentials: async (signal?: AbortSignal) => {
      signal?.throwIfAborted();
      if (cached && now() < cached.refreshAt) return cached.credentials;
      const run = current && !current.controller.signal.aborted ? current : start();
      return wait(run, signal);
    },
    invalidate: () => {
      cached = undefined;
      invalidated = true;
    },
  });
}

/** A bearer token read from a file and reread once it is a minute old (projected tokens rotate). */
function tokenFileProvider(
  path: string,
  options: { now: () => number; initial?: string; fixed?: Credentials; describe: string },
): AuthProvider {
  const { now } = options;
  const withToken = (token: string): Fetched => ({
    credentials: Object.freeze({ ...options.fixed, token }),
    refreshAt: now() + tokenFileMaxAgeMs,
  });
  return cachingProvider(
    'token-file',
    async (signal) => {
      let token: string;
      try {
        token = (await readFile(path, { encoding: 'utf8', signal })).trim();
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw new OperonError(
          ErrorCode.AuthFailed,
          `Cannot read ${options.describe}, ${path} (${errorCode(err)}). Check that the file is still mounted or present.`,
          { cause: err, retryable: true },
        );
      }
      if (!token) {
        throw new OperonError(
          ErrorCode.AuthFailed,
          `${options.describe}, ${path}, is empty. Check whatever writes the token into it.`,
          { retryable: true },
        );
      }
      return withToken(token);
    },
    {
      now,
      serveStale: true,
      ...(options.initial !== undefined ? { initial: withToken(options.initial) } : {}),
      // A static token beside tokenFile is used while the file cannot be read, as in client-go.
      ...(options.fixed?.token !== undefined ? { fallback: options.fixed } : {}),
    },
  );
}

function execProvider(plugin: ExecPlugin, opts: ResolveOptions): AuthProvider {
  const { now } = opts;
  return cachingProvider(
    'exec',
    async (signal) => {
      const started = now();
      const result = await runExecPlugin(plugin, {
        env: opts.env,
        signal,
        timeoutMs: execTimeoutMs,
        ...(opts.warn ? { warn: opts.warn } : {}),
      });
      if (result.expiresAt === undefined) return { credentials: result.credentials, refreshAt: Infinity };
      const leeway = Math.min(execRefreshLeewayMs, Math.max(0, (result.expiresAt - started) / 2));
      return { credentials: result.credentials, refreshAt: result.expiresAt - leeway };
    },
    { now },
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Where in a kubeconfig something is wrong: the file, the context in use, and the entry. */
interface Site {
  file: string;
  context: string;
  entity: string;
}

function siteError(site: Site, message: string, cause?: unknown): OperonError {
  const prefix =
    site.entity === `context "${site.context}"`
      ? `${site.file}, ${site.entity}`
      : `${site.file}, ${site.entity} (used by context "${site.context}")`;
  return invalid(`${prefix}: ${message}`, cause);
}

function invalid(message: string, cause?: unknown): OperonError {
  return new OperonError(ErrorCode.InvalidKubeconfig, message, cause === undefined ? {} : { cause });
}

function stringField(obj: Obj, field: string, site: Site): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null || value === '') return undefined;
  // Name the type, never the value: a misplaced token or key must not end up in a log.
  if (typeof value !== 'string')
    throw siteError(site, `"${field}" must be a string, not ${typeName(value)}.`);
  return value;
}

/** `a mapping`, `a list`, `a number`...: what a value is, without showing it. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

/** Like `typeName`, but says so when a list holds something other than strings. */
function listTypeName(value: unknown): string {
  return Array.isArray(value) ? 'a list with an item that is not a string' : typeName(value);
}

/** A URL for a message, without any user:password in it. */
function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1[redacted]@');
}

function resolvePath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) || baseDir === undefined ? path : resolve(baseDir, path);
}

async function readOptional(path: string, source: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw invalid(`Cannot read ${path} of the ${source} (${errorCode(err)}). Check the mounted volume.`, err);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function isDnsLabel(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(err: unknown): string {
  return (
    (err as NodeJS.ErrnoException | undefined)?.code ?? String((err as Error | undefined)?.message ?? err)
  );
}
