/**
 * Redaction of text that may hold secret material: `redactSecrets(value)` masks bearer and basic
 * credentials, JWTs, PEM blocks, passwords in URLs, `token=...`-style pairs and long opaque strings,
 * in every string of a JSON-like value, before the value leaves the process (the `/status` view).
 */

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, '[redacted PEM]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted token]'],
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, '$1[redacted]@'],
  [
    /\b((?:access[_-]?|refresh[_-]?|id[_-]?|client[_-]?|auth[_-]?)?(?:token|secret|password|passwd|pwd|credentials?|authorization|(?:api|private|access|secret)[_-]?key))(["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b|\[redacted)([^\s"',;&)}\]]+)/gi,
    '$1$2[redacted]',
  ],
];

/**
 * A long opaque run (base64, hex keys) with upper case and digits: what tokens look like and object
 * names (lower-case DNS names, `namespace/name` keys) never do.
 */
const OPAQUE = /[A-Za-z0-9+/_-]{40,}={0,2}/g;

/** `text` with anything that looks like a secret replaced by `[redacted…]`. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(OPAQUE, (run) => (/[A-Z]/.test(run) && /[0-9]/.test(run) ? '[redacted]' : run));
}

/** A copy of a JSON-like value with every string passed through `redactText`. */
export function redactSecrets<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)])) as T;
  }
  return value;
}
