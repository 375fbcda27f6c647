import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  type Issued,
  issueClientCertificate,
  issueServerCertificate,
} from '@quarry/certificates';
import { say } from './log';
import { dataDir } from './paths';

/** Where an embedded server's TLS material lives, and the PEM texts a connection or a test pastes. */
export type ServerTls = {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** The CA's certificate (PEM): what a `verify-ca` connection to this server pastes. */
  caCertificate: string;
  /** A client certificate and key for `clientUser`, when the server authenticates it by certificate. */
  client?: { user: string; certificate: string; privateKey: string };
};

/** Reissued this long before it expires, so a server that runs for months is never caught out. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** The uid and gid the embedded server runs as: the `postgres` system user when we are root. */
export function serverOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : null);

function write(file: string, text: string, mode: number, owner: { uid: number; gid: number } | null) {
  writeFileSync(file, text, { mode });
  // writeFileSync keeps the mode of a file that exists; the key's must be exactly this.
  chmodSync(file, mode);
  if (owner) chownSync(file, owner.uid, owner.gid);
}

const lasts = (pem: string, hosts: readonly string[]) => {
  const certificate = new X509Certificate(pem);
  const valid = new Date(certificate.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
  const named = hosts.every((host) =>
    /^[\d.]+$|:/.test(host)
      ? certificate.checkIP(host) !== undefined
      : certificate.checkHost(host) !== undefined,
  );
  return valid && named;
};

/**
 * The TLS material of the embedded server `name`, under .data/<name>-tls/: generated at the first
 * start (a CA of its own, a server certificate for `hosts` signed by it), reused after, the server
 * certificate reissued when it nears its end or no longer names every host. PostgreSQL refuses a
 * key file others can read: the server key is 0600, owned by the user the server runs as (the
 * `postgres` system user when we are root). The CA's key stays with us (0600), never the server's.
 */
export async function ensureServerTls(
  name: string,
  input: { hosts: readonly string[]; clientUser?: string },
): Promise<ServerTls> {
  const dir = join(dataDir, `${name}-tls`);
  mkdirSync(dir, { recursive: true });
  // Traversable, so the server's user reaches its certificate and key (each guarded by its own mode).
  chmodSync(dir, 0o755);
  const owner = serverOwner();
  const files = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
  let ca: Issued | null = null;
  const caCertificate = read(files.caCert);
  const caKey = read(files.caKey);
  if (caCertificate && caKey) ca = { certificate: caCertificate, privateKey: caKey };
  const fresh = ca === null;
  if (!ca) {
    say(
      `generating a certificate authority and a TLS certificate for the embedded PostgreSQL (.data/${name}-tls)…`,
    );
    ca = await createCertificateAuthority(`Quarry embedded PostgreSQL (${name})`);
    write(files.caKey, ca.privateKey, 0o600, null);
    write(files.caCert, ca.certificate, 0o644, null);
  }
  const current = read(files.cert);
  if (fresh || !current || !existsSync(files.key) || !lasts(current, input.hosts)) {
    const server = await issueServerCertificate(ca, { hosts: input.hosts });
    write(files.key, server.privateKey, 0o600, owner);
    write(files.cert, server.certificate, 0o644, owner);
  }
  let client: ServerTls['client'];
  if (input.clientUser) {
    const currentClient = read(files.clientCert);
    if (fresh || !currentClient || !existsSync(files.clientKey) || !lasts(currentClient, [])) {
      const issued = await issueClientCertificate(ca, { user: input.clientUser });
      write(files.clientKey, issued.privateKey, 0o600, null);
      write(files.clientCert, issued.certificate, 0o644, null);
    }
    client = {
      user: input.clientUser,
      certificate: readFileSync(files.clientCert, 'utf8'),
      privateKey: readFileSync(files.clientKey, 'utf8'),
    };
  }
  return {
    certFile: files.cert,
    keyFile: files.key,
    caFile: files.caCert,
    caCertificate: ca.certificate,
    ...(client ? { client } : {}),
  };
}
