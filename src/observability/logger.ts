import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; one logger per process, children per component. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'voicepartnerai-billing' }, timestamp: pino.stdTimeFunctions.isoTime });
}
