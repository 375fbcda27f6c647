import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import type { AllowList } from './allow-list';
import { type AddressRefused, type CheckedAddress, resolveAndCheckHost } from './resolve-and-check-host';

export type CheckedResponse = { status: number; headers: IncomingHttpHeaders; body: Buffer };

export type FetchFailed = QuarryError & {
  code: 'net.request_failed' | 'net.response_too_large';
  details: { host: string; reason: string };
};

/**
 * A GET that connects only to addresses checked by the address policy: the host is resolved and
 * checked once, and the socket's `lookup` hands back exactly those addresses, so a DNS answer that
 * changes between the check and the connection (rebinding) is never used. Redirects are returned,
 * not followed; the body is capped.
 */
export async function fetchChecked(
  url: URL,
  options: { allow: AllowList; timeoutMs: number; maxBytes: number; headers?: Record<string, string> },
): Promise<Result<CheckedResponse, AddressRefused | FetchFailed>> {
  const host = url.hostname;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(failed(host, 'not http(s)'));
  const checked = await resolveAndCheckHost(host, { allow: options.allow });
  if (!checked.ok) return checked;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise((resolve) => {
    const req = send(
      {
        host: bare,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: options.headers,
        lookup: lookupFrom(checked.value),
        timeout: options.timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy();
            resolve(
              err({ ...failed(host, `body over ${options.maxBytes} bytes`), code: 'net.response_too_large' }),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve(ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })),
        );
        res.on('error', (error) => resolve(err(failed(host, error.message))));
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error('timed out')), options.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(err(failed(host, error.message))));
    req.end();
  });
}

/** A `lookup` for net.connect that answers with the checked addresses and never asks DNS again. */
export function lookupFrom(addresses: readonly CheckedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
    const first = usable[0];
    if (!first) {
      callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (options.all) (callback as (e: null, all: CheckedAddress[]) => void)(null, usable);
    else callback(null, first.address, first.family);
  };
}

const failed = (host: string, reason: string): FetchFailed => ({
  code: 'net.request_failed',
  message: 'The request could not be completed',
  details: { host, reason: reason.slice(0, 200) },
});
