// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API
// before the library loads.
import 'reflect-metadata';
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  cryptoProvider,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

cryptoProvider.set(webcrypto as unknown as Parameters<typeof cryptoProvider.set>[0]);

/** A certificate and its private key, both PEM (the key in PKCS #8, unencrypted). */
export type Issued = { certificate: string; privateKey: string };

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

const newKeys = () =>
  webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

const pemOf = (key: webcrypto.CryptoKey) =>
  KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();

/** A positive serial of 16 random bytes (RFC 5280: positive, at most 20 bytes). */
const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
};

// A minute back, so a server whose clock runs slightly behind does not see a certificate from the future.
const validity = (days: number) => {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + days * DAY_MS) };
};

/** Commas and equals signs would start a new attribute in the string form of a name. */
const commonName = (name: string) => `CN=${name.replace(/[,=+"\\<>;]/g, ' ')}`;

/** A self-signed certificate authority that can sign server and client certificates (and nothing below them). */
export async function createCertificateAuthority(
  name: string,
  options: { days?: number } = {},
): Promise<Issued> {
  const keys = await newKeys();
  const certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: commonName(name),
    ...validity(options.days ?? 3650),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate: certificate.toString('pem'), privateKey: pemOf(keys.privateKey) };
}

async function issue(
  authority: Issued,
  input: { subject: string; days: number; usage: ExtendedKeyUsage; hosts?: readonly string[] },
): Promise<Issued> {
  const signingKey = createPrivateKey(authority.privateKey).toCryptoKey(ALGORITHM, false, ['sign']);
  const issuer = new X509Certificate(authority.certificate);
  const keys = await newKeys();
  const names = (input.hosts ?? []).map((host) =>
    isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host },
  );
  const certificate = await X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: commonName(input.subject),
    issuer: issuer.subject,
    ...validity(input.days),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement, true),
      new ExtendedKeyUsageExtension([input.usage]),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await AuthorityKeyIdentifierExtension.create(issuer.publicKey),
      ...(names.length > 0 ? [new SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { certificate: certificate.toString('pem'), privateKey: pemOf(keys.privateKey) };
}

/**
 * A server certificate for `hosts` (host names and IP addresses, each a subject alternative name:
 * what a client checks under verify-full), signed by `authority`.
 */
export function issueServerCertificate(
  authority: Issued,
  input: { hosts: readonly string[]; days?: number },
): Promise<Issued> {
  const [first] = input.hosts;
  if (!first) throw new Error('a server certificate names at least one host');
  return issue(authority, {
    subject: first,
    hosts: input.hosts,
    days: input.days ?? 825,
    usage: ExtendedKeyUsage.serverAuth,
  });
}

/** A client certificate whose common name is `user` (what PostgreSQL's `cert` authentication matches). */
export function issueClientCertificate(
  authority: Issued,
  input: { user: string; days?: number },
): Promise<Issued> {
  return issue(authority, {
    subject: input.user,
    days: input.days ?? 825,
    usage: ExtendedKeyUsage.clientAuth,
  });
}
