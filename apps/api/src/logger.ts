import pino from 'pino';

/** JSON lines; secrets are redacted by path wherever a careless field might carry one. */
export function createLogger(name: string, level: string) {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
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
  });
}
