/**
 * A test reporter that writes only the failures: the test's name with its suite, file and line, and
 * the error. `scripts/test.ts` writes it to a file beside the usual output and prints it last, after
 * the control plane's logs, so that the end of a CI log says what failed and why.
 */

interface FailEvent {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  details: { type?: 'suite' | 'test'; error?: unknown };
}

/** The error a failure carries: the test runner wraps what the test threw in `cause`. */
function describeError(error: unknown): string {
  const thrown =
    (error as { code?: string; cause?: unknown })?.code === 'ERR_TEST_FAILURE'
      ? (error as { cause?: unknown }).cause
      : error;
  const text =
    thrown instanceof Error ? (thrown.stack ?? `${thrown.name}: ${thrown.message}`) : String(thrown);
  const lines = text.split('\n').filter((line) => !/^\s*at (.* \()?node:internal\//.test(line));
  return (lines.length > 40 ? [...lines.slice(0, 40), `… ${lines.length - 40} more lines`] : lines).join(
    '\n',
  );
}

export default async function* failuresReporter(
  source: AsyncIterable<{ type: string; data: unknown }>,
): AsyncGenerator<string> {
  // Per test file (files run side by side), the names of the suites around the latest test started.
  const paths = new Map<string | undefined, string[]>();
  for await (const event of source) {
    if (event.type === 'test:start') {
      const { name, nesting, file } = event.data as { name: string; nesting: number; file?: string };
      const path = paths.get(file) ?? [];
      path.length = nesting;
      path[nesting] = name;
      paths.set(file, path);
      continue;
    }
    if (event.type !== 'test:fail') continue;
    const fail = event.data as FailEvent;
    // A suite fails when a test in it did; that test is reported on its own.
    const error = fail.details.error as { failureType?: string } | undefined;
    if (fail.details.type === 'suite' && error?.failureType === 'subtestsFailed') continue;
    const where = fail.file ? ` (${fail.file}${fail.line ? `:${fail.line}` : ''})` : '';
    const path = paths.get(fail.file) ?? [];
    const name = [...path.slice(0, fail.nesting), fail.name].join(' > ');
    yield `✖ ${name}${where}\n${describeError(fail.details.error).replace(/^/gm, '    ')}\n\n`;
  }
}
