const MAX_MESSAGE = 2_000;
const MAX_DEPTH = 4;

/** drizzle's failed-query message ends with `params: <every bound value>`: request input, hashes. */
const withoutParams = (text: string) =>
  text.replace(/\nparams:[\s\S]*?(?=\n {4}at |$)/, '\nparams: [redacted]').slice(0, MAX_MESSAGE);

type ErrorFacts = Error & Partial<Record<'code' | 'severity' | 'routine' | 'constraint_name', unknown>>;

/**
 * What a log line may keep of an error: its kind, codes, message and stack, and the same of its
 * causes, but never the bound values of a failed query (drizzle puts them in the message; postgres.js
 * keeps them on the error). Used as pino's `err` serializer by the API and the runner.
 */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: withoutParams(String(error)) };
  const facts = error as ErrorFacts;
  const out: Record<string, unknown> = { type: error.name, message: withoutParams(error.message) };
  for (const key of ['code', 'severity', 'routine', 'constraint_name'] as const) {
    if (typeof facts[key] === 'string' || typeof facts[key] === 'number') out[key] = facts[key];
  }
  if (error.stack) out.stack = withoutParams(error.stack);
  if (error.cause !== undefined && depth < MAX_DEPTH) out.cause = errorForLog(error.cause, depth + 1);
  return out;
}
