import { completeSsoSignIn, type Deps, startSsoSignIn } from '@quarry/api';
import { Hono } from 'hono';
import { isSameOrigin } from './origin-check';

/** Set by the app's first middleware: the request id and the client address (see client-ip.ts). */
type Env = { Variables: { requestId: string; clientIp: string | null } };

/**
 * The browser side of single sign-on, mounted at `/auth/sso`:
 * - `POST /:providerId/start` sets the sealed flow cookie and redirects to the provider. It is a
 *   POST from Quarry's own sign-in page (AUTH-5's origin check), never a GET: a link or an image on
 *   another site must not be able to start a sign-in that would replace the session of whoever
 *   follows it (login CSRF). A GET answers with the sign-in page's error and changes nothing.
 * - `GET /:providerId/callback` (OIDC-3: one callback path per provider, the redirect URI registered
 *   at the provider is `<public URL>/auth/sso/<providerId>/callback` exactly) signs in and redirects
 *   to `/`, or to `/?sso_error=<code>` with no token, code or secret in the URL. It is a GET by
 *   necessity (the provider redirects the browser), and completes only the flow this browser
 *   started here.
 */
export function createSsoRoutes(deps: Deps) {
  const { publicUrl } = deps;
  const routes = new Hono<Env>();

  routes.get('/:providerId/start', (c) => {
    c.header('cache-control', 'no-store');
    return c.redirect(errorLocation('sso.start_not_allowed'), 302);
  });

  routes.post('/:providerId/start', async (c) => {
    c.header('cache-control', 'no-store');
    const ours = isSameOrigin({
      origin: c.req.header('origin'),
      secFetchSite: c.req.header('sec-fetch-site'),
      publicUrl,
    });
    if (!ours) {
      deps.log.warn({ requestId: c.get('requestId') }, 'sso start from another origin refused');
      return c.redirect(errorLocation('sso.start_not_allowed'), 302);
    }
    const started = await startSsoSignIn(deps, { providerId: c.req.param('providerId'), publicUrl });
    if (!started.ok) {
      deps.log.warn({ requestId: c.get('requestId'), code: started.error.code }, 'sso start refused');
      return c.redirect(errorLocation(started.error.code), 302);
    }
    c.header('set-cookie', started.value.setCookie, { append: true });
    // 303: the browser follows with a GET to the provider.
    return c.redirect(started.value.location, 303);
  });

  routes.get('/:providerId/callback', async (c) => {
    c.header('cache-control', 'no-store');
    const outcome = await completeSsoSignIn(deps, {
      providerId: c.req.param('providerId'),
      publicUrl,
      params: new URL(c.req.url).searchParams,
      cookieHeader: c.req.header('cookie') ?? null,
      request: {
        ip: c.get('clientIp') ?? null,
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
