import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { appRouter, createContext, type Deps, QuarryTRPCError } from '@quarry/api';
import { MAX_CALLS_PER_REQUEST } from '@quarry/contracts';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { clientIp, noTrustedProxies, type TrustedProxies } from './client-ip';
import { type MetricsOptions, metricsRoute } from './metrics/metrics-route';
import { DELIVERING_QUERIES, isSameOrigin } from './origin-check';
import { redactPath } from './redact-path';
import { bodySizeLimit, callLimits, proceduresOf } from './request-limits';
import { runCsvRoute } from './run-csv-route';
import { createSsoRoutes } from './sso-routes';

export type AppOptions = {
  deps: Deps;
  log: Logger;
  webDist?: string | undefined;
  /** Readiness: the database answers and the queue schema is there. */
  ready: () => Promise<{ database: boolean; queue: boolean }>;
  /** `QUARRY_TRUSTED_PROXIES`, parsed: whose `X-Forwarded-For` to believe. None unless configured. */
  trustedProxies?: TrustedProxies | undefined;
  /** Prometheus metrics at /metrics, behind `QUARRY_METRICS_TOKEN`; off when unset. */
  metrics?: MetricsOptions | undefined;
};

type Env = { Variables: { requestId: string; clientIp: string | null } };

export function createApp(options: AppOptions) {
  const { deps, log } = options;
  const { publicUrl } = deps;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 64) || randomUUID();
    c.set('requestId', requestId);
    c.set('clientIp', clientIp(c, options.trustedProxies ?? noTrustedProxies));
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    c.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    if (!c.req.path.startsWith('/assets/')) {
      // Method, path (secrets redacted, never the query string), status and time: nothing of the
      // request's input, which can carry passwords and invite secrets (AUTH-8, issue 7 item 16).
      log.info(
        {
          requestId,
          method: c.req.method,
          path: redactPath(c.req.path),
          status: c.res.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', metricsRoute(options.metrics));
  app.get('/readyz', async (c) => {
    const checks = await options.ready().catch(() => ({ database: false, queue: false }));
    return c.json(
      { ok: checks.database && checks.queue, ...checks },
      checks.database && checks.queue ? 200 : 503,
    );
  });

  // Before anything reads the body or runs a procedure: a bounded number of calls, at most one
  // credential check (AUTH-7), and a bounded body.
  app.use('/trpc/*', callLimits(), bodySizeLimit());

  // AUTH-5: a cookie-carrying mutation must come from our own origin, and so must a GET that
  // delivers a run's result (its chunks are deleted as it is read). Token callers (the SDK) send no
  // cookie, so a forged cross-site request cannot ride on their credentials.
  app.use('/trpc/*', async (c, next) => {
    const read = c.req.method === 'GET' || c.req.method === 'HEAD';
    const delivers = () =>
      proceduresOf(new URL(c.req.url))?.some((procedure) => DELIVERING_QUERIES.has(procedure)) ?? false;
    if (c.req.header('cookie') && (!read || delivers())) {
      if (
        !isSameOrigin({
          origin: c.req.header('origin'),
          secFetchSite: c.req.header('sec-fetch-site'),
          publicUrl,
        })
      ) {
        return c.json(
          {
            error: {
              code: 'auth.bad_origin',
              message: 'This request did not come from Quarry itself',
              hint: 'Reload Quarry and try again',
            },
          },
          403,
        );
      }
    }
    return next();
  });

  app.all('/trpc/*', (c) => {
    const ip = c.get('clientIp');
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: c.req.raw,
      router: appRouter,
      // callLimits() refused larger batches already; tRPC's own check is the backstop.
      maxBatchSize: MAX_CALLS_PER_REQUEST,
      createContext: ({ req, resHeaders, info }) =>
        createContext({
          deps,
          headers: req.headers,
          resHeaders,
          streams: info.isBatchCall && info.accept === 'application/jsonl',
          request: { ip, userAgent: req.headers.get('user-agent'), requestId: c.get('requestId') },
        }),
      onError: ({ error, path }) => {
        const requestId = c.get('requestId');
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          log.error({ requestId, path, err: error.cause ?? error }, 'procedure failed');
        } else if (!(error instanceof QuarryTRPCError) && !(error.cause instanceof ZodError)) {
          // The client was told a fixed sentence (packages/api/src/trpc.ts); the log keeps tRPC's
          // own reason, minus any fragment of the body a JSON parser quotes back.
          log.warn(
            { requestId, path, code: error.code, reason: withoutQuotedInput(error.message) },
            'request refused',
          );
        }
      },
    });
  });

  app.route('/auth/sso', createSsoRoutes(deps));
  // A run's whole result as CSV (session or token, the run's owner, the results gate).
  app.get('/runs/:runId/result.csv', runCsvRoute(deps));

  // Anything a route did not expect: the log keeps it (without a query's bound values, see
  // logger.ts), the browser gets a fixed typed answer, an SSO callback its error page.
  app.onError((error, c) => {
    log.error({ requestId: c.get('requestId'), path: redactPath(c.req.path), err: error }, 'request failed');
    if (c.req.path.startsWith('/auth/sso/')) return c.redirect('/?sso_error=sso.failed', 302);
    return c.json(
      {
        error: {
          code: 'server.internal',
          message: 'Something went wrong on our side',
          hint: 'Try again in a moment',
        },
      },
      500,
    );
  });

  if (options.webDist) {
    const root = options.webDist;
    app.use('/assets/*', serveStatic({ root }));
    app.get('/favicon.svg', serveStatic({ root }));
    // Client-side routes all load the SPA's shell.
    let shell: Promise<string> | undefined;
    app.get('*', async (c) => {
      shell ??= readFile(join(root, 'index.html'), 'utf8');
      return c.html(await shell);
    });
  }
  return app;
}

/** `Unexpected token 'x', "{"password": "…" is not valid JSON` quotes the body: drop the quote. */
function withoutQuotedInput(message: string): string {
  return message.replace(/"[\s\S]*"/, '"[redacted]"').slice(0, 300);
}
