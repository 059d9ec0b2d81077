/**
 * Free TCP ports on the loopback interface: `freePort()` asks the kernel for one, `assertPortFree()`
 * checks a port the caller chose.
 */

import { createServer } from 'node:net';
import { ErrorCode, OperonError } from '../errors.ts';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Throws `PortInUse`, naming the port, what wanted it and the fix, when the port is taken. */
export function assertPortFree(port: number, purpose: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', (cause: NodeJS.ErrnoException) => {
      reject(
        new OperonError(
          ErrorCode.PortInUse,
          `Port ${port} (${purpose}) is already in use on 127.0.0.1. Stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or choose another port; leave the option out to get a free one.`,
          { cause, retryable: true },
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
