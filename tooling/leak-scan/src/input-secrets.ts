import { registerSecret } from './leak-scan';

/**
 * Credentials a test sends to the API over HTTP, registered as it sends them: the API's own process
 * seals them in its own vault, and an unsaved connection's test probe is deleted before the test
 * database is swept, so neither the watched vaults nor the sweep would learn these values. Sending
 * one is fine; the API answering or logging it is the leak. By field, as the contracts name them:
 * a connection's `secrets` (every field of the kind's credentials), a shared secret's `value`
 * (procedures under `secrets.`), an identity provider's `clientSecret`.
 */
export function registerInputSecrets(path: string, body: string | null | undefined): void {
  if (!body) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  // `/trpc/a,b?batch=1` carries `{ "0": input, "1": input }`; each input is superjson's `{ json }`.
  const procedures = decodeURIComponent(path.replace(/^\/trpc\//, '')).split(',');
  const inputs =
    procedures.length > 1 && parsed !== null && typeof parsed === 'object'
      ? procedures.map(
          (procedure, index) => [procedure, (parsed as Record<string, unknown>)[String(index)]] as const,
        )
      : [[procedures[0] ?? '', parsed] as const];
  for (const [procedure, input] of inputs) walk(procedure, input, undefined);
}

/** Inputs are shallow (contracts nest a few levels); a hostile test body may be 10,000 deep. */
const MAX_DEPTH = 16;

function walk(procedure: string, root: unknown, rootKey: string | undefined): void {
  const stack: { value: unknown; key: string | undefined; depth: number }[] = [
    { value: root, key: rootKey, depth: 0 },
  ];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, key, depth } = item;
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) continue;
    for (const [field, child] of Object.entries(value)) {
      if (typeof child !== 'string') stack.push({ value: child, key: field, depth: depth + 1 });
      else if (key === 'secrets') registerSecret(child, 'input.connection_secret');
      else if (field === 'clientSecret') registerSecret(child, 'input.client_secret');
      else if (field === 'value' && procedure.startsWith('secrets.'))
        registerSecret(child, 'input.secret_value');
    }
  }
}
