import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, TLSSocket } from 'node:tls';
import { createCertificateAuthority, issueServerCertificate } from '@quarry/certificates';

/**
 * A TCP listener on loopback that speaks just enough of PostgreSQL's wire protocol to collect a
 * password: it accepts TLS (with a certificate of its own making, which `require` does not check),
 * asks for the password in clear text inside it (AuthenticationCleartextPassword, which the
 * PostgreSQL protocol lets any server ask for), records it, then refuses the login. What an
 * attacker's "database" would do.
 */
export async function fakePostgres(): Promise<{
  port: number;
  passwords: string[];
  close: () => Promise<void>;
}> {
  const passwords: string[] = [];
  const sockets = new Set<Socket>();
  const ca = await createCertificateAuthority('Attacker CA');
  const own = await issueServerCertificate(ca, { hosts: ['127.0.0.1', 'localhost'] });
  const secureContext = createSecureContext({ cert: own.certificate, key: own.privateKey });
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    speak(socket);
  });
  /** The protocol on `socket`; an SSLRequest switches it to TLS and starts over inside. */
  const speak = (socket: Duplex) => {
    let buffer = Buffer.alloc(0);
    let stage: 'startup' | 'auth' = 'startup';
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (stage === 'startup') {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code === 80877103) {
            socket.removeAllListeners('data');
            socket.write('S');
            const secure = new TLSSocket(socket, { isServer: true, secureContext });
            secure.on('error', () => {});
            speak(secure);
            return;
          }
          stage = 'auth';
          const ask = Buffer.alloc(9);
          ask.write('R', 0);
          ask.writeInt32BE(8, 1);
          ask.writeInt32BE(3, 5);
          socket.write(ask);
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        if (buffer[0] === 0x70) passwords.push(buffer.subarray(5, length).toString('utf8'));
        buffer = buffer.subarray(1 + length);
        const fields = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed\0\0', 'utf8');
        const refusal = Buffer.alloc(5);
        refusal.write('E', 0);
        refusal.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([refusal, fields]));
        return;
      }
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    passwords,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A listener that accepts and then says nothing (a port that is open but not PostgreSQL, or a tarpit). */
export async function silentListener(
  reply?: Buffer,
  onConnection?: () => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    onConnection?.();
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (reply) socket.end(reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
