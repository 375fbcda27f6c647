import { errorForLog } from '@quarry/db';
import pino, { type DestinationStream } from 'pino';

/**
 * JSON lines; secrets are redacted by path wherever a careless field might carry one. Writes to
 * stdout unless given a destination (tests read the lines back to prove no secret is in them).
 */
export function createLogger(name: string, level: string, destination?: DestinationStream) {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A failed query's bound values are request input (names, emails, password hashes): never logged.
    serializers: { err: errorForLog },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'credentials',
        '*.credentials',
        'headers.cookie',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
