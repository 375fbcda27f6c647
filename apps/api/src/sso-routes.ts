import { getConnInfo } from '@hono/node-server/conninfo';
import { completeSsoSignIn, type Deps, startSsoSignIn } from '@quarry/api';
import { Hono } from 'hono';

type Env = { Variables: { requestId: string } };

/**
 * The browser side of single sign-on, mounted at `/auth/sso`:
 * - `GET /:providerId/start` sets the sealed flow cookie and redirects to the provider;
 * - `GET /:providerId/callback` (OIDC-3: one callback path per provider, the redirect URI registered
 *   at the provider is `<public URL>/auth/sso/<providerId>/callback` exactly) signs in and redirects
 *   to `/`, or to `/?sso_error=<code>` with no token, code or secret in the URL.
 * Both are GETs by necessity (top-level navigations); neither reads anything from the body.
 */
export function createSsoRoutes(deps: Deps) {
  const { publicUrl } = deps;
  const routes = new Hono<Env>();

  routes.get('/:providerId/start', async (c) => {
    c.header('cache-control', 'no-store');
    const started = await startSsoSignIn(deps, { providerId: c.req.param('providerId'), publicUrl });
    if (!started.ok) {
      deps.log.warn({ requestId: c.get('requestId'), code: started.error.code }, 'sso start refused');
      return c.redirect(errorLocation(started.error.code), 302);
    }
    c.header('set-cookie', started.value.setCookie, { append: true });
    return c.redirect(started.value.location, 302);
  });

  routes.get('/:providerId/callback', async (c) => {
    c.header('cache-control', 'no-store');
    const outcome = await completeSsoSignIn(deps, {
      providerId: c.req.param('providerId'),
      publicUrl,
      params: new URL(c.req.url).searchParams,
      cookieHeader: c.req.header('cookie') ?? null,
      request: {
        ip: safeIp(c),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
      },
    });
    for (const cookie of outcome.setCookies) c.header('set-cookie', cookie, { append: true });
    return c.redirect(outcome.result.ok ? '/' : errorLocation(outcome.result.error.code), 302);
  });

  return routes;
}

function errorLocation(code: string): string {
  return `/?sso_error=${encodeURIComponent(code)}`;
}

function safeIp(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
