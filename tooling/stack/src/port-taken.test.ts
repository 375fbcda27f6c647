import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from './paths';
import { type Server, startEmbedded } from './postgres';

// Another program on the port an embedded server is set to use: a second checkout's test server
// was one (its `npm test` then failed at start with nothing but "did not start").
const name = `port-check-${randomBytes(4).toString('hex')}`;
let holder: NetServer;
let heldPort = 0;
let started: Server | undefined;

beforeAll(async () => {
  holder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  heldPort = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await started?.stop();
  await new Promise((resolve) => holder.close(resolve));
  rmSync(join(dataDir, name), { recursive: true, force: true });
  rmSync(join(dataDir, `${name}.password`), { force: true });
});

describe('an embedded server whose port another program holds', () => {
  it('says which port is held and what to do, rather than that the server did not start', async () => {
    await expect(startEmbedded(name, heldPort)).rejects.toThrow(
      new RegExp(`another program holds port ${heldPort}.*choose another port`),
    );
  }, 120_000);

  it('starts a test server on a free port instead, which answers there', async () => {
    started = await startEmbedded(name, heldPort, { anyFreePort: true });
    const port = Number(new URL(started.adminUrl).port);
    expect(port).not.toBe(heldPort);
    const sql = postgres(started.adminUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ port: string }[]>`show port`;
      expect(Number(row?.port)).toBe(port);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
