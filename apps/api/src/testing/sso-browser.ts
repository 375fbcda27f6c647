import { expect } from 'vitest';

/**
 * The browser side of SSO tests: a cookie jar per host with redirects followed by hand, and a walk
 * through a real OpenID provider's login and consent pages.
 */

/** A browser without a window: a cookie jar per host, redirects followed by hand. */
export class Browser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path: string): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map();
    cookies.set(name, { value, path });
    this.jar.set(host, cookies);
  }

  get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const target = new URL(url);
    const cookies = [...(this.jar.get(target.host) ?? new Map())]
      .filter(([, c]) => pathMatches(target.pathname, c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const headers = new Headers(init.headers);
    if (cookies) headers.set('cookie', cookies);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return response;
  }

  private store(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attr = (key: string) =>
      attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const path = attr('path') ?? url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
    const maxAge = attr('max-age');
    const expires = attr('expires');
    const cookies = this.jar.get(url.host) ?? new Map();
    const gone =
      (maxAge !== undefined && Number(maxAge) <= 0) || (expires && Date.parse(expires) < Date.now());
    if (gone) cookies.delete(name);
    else cookies.set(name, { value, path });
    this.jar.set(url.host, cookies);
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

const decodeHtml = (text: string) =>
  text.replaceAll('&amp;', '&').replaceAll('&#x2F;', '/').replaceAll('&#47;', '/');

/** What the sign-in page's "Continue with …" button does: a same-origin form POST. */
export const startFromSignInPage = (browser: Browser, quarry: string, providerId: string) =>
  browser.post(`${quarry}/auth/sso/${providerId}/start`, {}, { origin: quarry });

/**
 * Starts an SSO sign-in from Quarry's sign-in page and walks the provider's login and consent pages
 * as `sub`, up to the redirect back to Quarry, which is returned unfollowed. `tamper` edits the
 * authorization URL; `abort` cancels at the provider.
 */
export async function reachCallback(
  browser: Browser,
  quarry: string,
  input: { providerId: string; sub: string; tamper?: (url: URL) => void; abort?: boolean },
): Promise<URL> {
  const start = await startFromSignInPage(browser, quarry, input.providerId);
  expect(start.status, start.headers.get('location') ?? '').toBe(303);
  const authorization = new URL(start.headers.get('location') ?? '');
  input.tamper?.(authorization);
  let url = authorization.toString();
  for (let step = 0; step < 12; step++) {
    if (url.startsWith(`${quarry}/`)) return new URL(url);
    const page = await browser.get(url);
    if (page.status >= 300 && page.status < 400) {
      url = new URL(page.headers.get('location') ?? '', url).toString();
      continue;
    }
    const html = await page.text();
    if (page.status !== 200) throw new Error(`the provider answered ${page.status}: ${html.slice(0, 400)}`);
    const action = decodeHtml(/<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '');
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (input.abort) {
      url = new URL(`${action}/abort`, url).toString();
      continue;
    }
    const form: Record<string, string> =
      prompt === 'login' ? { prompt, login: input.sub, password: 'anything' } : { prompt: 'consent' };
    const submitted = await browser.post(new URL(action, url).toString(), form);
    url = new URL(submitted.headers.get('location') ?? '', url).toString();
  }
  throw new Error('never came back to Quarry');
}
