import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { ApiMetrics } from './api-metrics';

export type MetricsOptions = ApiMetrics & {
  /** `QUARRY_METRICS_TOKEN`: required as a bearer token; /metrics is off while it is unset. */
  token: string | undefined;
};

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics`. Off unless `QUARRY_METRICS_TOKEN` is set, and then only with
 * `Authorization: Bearer <token>` (compared in constant time; never from the query string, which
 * logs and proxies record). Not "loopback only" by default: behind a reverse proxy on the same
 * host every request arrives from loopback, so the peer address proves nothing.
 */
export function metricsRoute(options: MetricsOptions | undefined) {
  return async (c: Context) => {
    if (!options?.token) {
      return c.json(
        {
          error: {
            code: 'request.not_found',
            message: 'Metrics are off on this server',
            hint: 'Set QUARRY_METRICS_TOKEN and scrape /metrics with Authorization: Bearer <token>',
          },
        },
        404,
      );
    }
    const presented = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(presented), digest(options.token))) {
      c.header('www-authenticate', 'Bearer realm="quarry-metrics"');
      return c.json(
        {
          error: {
            code: 'request.unauthorized',
            message: 'Metrics need the metrics token',
            hint: 'Send Authorization: Bearer <QUARRY_METRICS_TOKEN>',
          },
        },
        401,
      );
    }
    const body = await options.scrape();
    return c.body(body, 200, { 'content-type': options.contentType, 'cache-control': 'no-store' });
  };
}
