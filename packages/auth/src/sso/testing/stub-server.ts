import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type StubHandler = (
  request: IncomingMessage & { body: string },
  response: ServerResponse,
) => void | Promise<void>;

export type StubServer = {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Requests seen, as `METHOD /path`. */
  requests: string[];
  route: (method: string, path: string, handler: StubHandler) => void;
  close: () => Promise<void>;
};

/** A loopback HTTP server with swappable routes, for provider behaviour a real OP will not show. */
export async function startStubServer(): Promise<StubServer> {
  const routes = new Map<string, StubHandler>();
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const path = new URL(request.url ?? '/', 'http://stub').pathname;
      requests.push(`${request.method} ${path}`);
      const handler = routes.get(`${request.method} ${path}`);
      if (!handler) {
        response.writeHead(404).end();
        return;
      }
      await handler(Object.assign(request, { body: Buffer.concat(chunks).toString('utf8') }), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (method, path, handler) => routes.set(`${method} ${path}`, handler),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A discovery document for `issuer` whose endpoints live on `origin`. */
export function metadataFor(issuer: string, origin = issuer): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    jwks_uri: `${origin}/jwks`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}
