import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now. Prefer listening on port 0 and
 * reading the port back; use this only for programs that must be told their port up front
 * (PostgreSQL, a child `relaydesk start`). Another process may take the port before the caller
 * binds it, so such callers retry on EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: the listener has no TCP address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
