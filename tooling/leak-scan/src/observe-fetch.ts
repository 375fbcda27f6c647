import { registerInputSecrets } from './input-secrets';
import { leakScan } from './leak-scan';

const INSTALLED = Symbol.for('quarry.leak-scan.fetch');
type Holder = { [INSTALLED]?: typeof fetch };

const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

/** Hands a response's headers and body (read from a clone, so the test still reads the original) to the scan. */
export function observeResponse(response: Response, where: string): void {
  const scan = leakScan();
  scan.observe([...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n'), `${where} (headers)`);
  // An event stream never ends: a clone read to its end would hold the connection open. None of
  // ours is one today; a subscription transport would need its events observed as they pass.
  if (response.headers.get('content-type')?.includes('text/event-stream')) return;
  const copy = response.clone();
  scan.track(copy.text().then((text) => scan.observe(text, where)));
}

/**
 * The API's own routes. Other servers the tests talk to answer with secrets by design: the test
 * identity provider's client registration (`/reg`) hands the client its secret, which Quarry then
 * stores sealed; that is the provider's answer, not a Quarry response.
 */
const API_PATH = /^\/(trpc|auth\/sso)(\/|$)/;

/**
 * Every `fetch` of this test process to an API route (/trpc, /auth/sso: the tests' own requests to
 * the API, whichever server it runs in) has its response observed as `response:<path>`, and the
 * credentials its JSON body sends registered (input-secrets.ts). Idempotent.
 */
export function installFetchObserver(): void {
  const holder = globalThis as Holder;
  if (holder[INSTALLED]) return;
  const original = globalThis.fetch;
  holder[INSTALLED] = original;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const requestPath = pathOf(input instanceof Request ? input.url : String(input));
    if (API_PATH.test(requestPath) && typeof init?.body === 'string')
      registerInputSecrets(requestPath, init.body);
    const response = await original(input, init);
    const url = response.url || (input instanceof Request ? input.url : String(input));
    const path = pathOf(url);
    if (API_PATH.test(path)) observeResponse(response, `response:${path}`);
    return response;
  };
}
