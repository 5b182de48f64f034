import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One structured line per event. Credentials, tokens and message bodies are never
 * logged: the redact list is the second line of defence, the first is not passing them.
 */
export function createLogger(opts: { level?: string; destination?: number | string } = {}): Logger {
  const level = opts.level ?? process.env.RELAYDESK_LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { app: 'relaydesk' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'body', '*.body', 'raw', '*.raw', 'cookie', '*.cookie'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: opts.destination ?? 2, sync: false }),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
