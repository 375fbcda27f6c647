import { createPrivateKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';

/**
 * Certificates and keys are pasted as PEM text, never named by a path (CONN-1): a path would be read
 * on Quarry's own machine (`/etc/passwd`, another tenant's key). These schemas take text only, check
 * it parses as what it claims to be, and say what to do otherwise. None of their messages repeats
 * the text (a key is a secret).
 */

/** Room for a provider's whole CA bundle (Amazon RDS's is about 160 KB). */
const MAX_PEM_CHARS = 512 * 1024;
const MAX_CERTIFICATES = 500;

/**
 * A BEGIN or END line's marker, its closing dashes looked at but not taken, so they may also open
 * the next marker (`-----BEGIN X-----END Y-----`), as they may in a lazy `BEGIN … END` match.
 */
const PEM_MARKER = /-----(BEGIN|END) ([A-Z0-9 ]+)(?=-----)/g;

type Marker = { begin: boolean; label: string; start: number; end: number };

/**
 * The PEM blocks of a text, in order, each whole (`-----BEGIN …` to `-----END …-----`): each BEGIN
 * paired with the first END of its label after it, as `/-----BEGIN (L)-----[\s\S]*?-----END \1-----/g`
 * pairs them. Found in linear time: that regular expression rescans the rest of the text from every
 * BEGIN without an END, so half a megabyte of `-----BEGIN A-----` held the event loop for seconds.
 */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  const markers: Marker[] = [];
  for (const match of text.matchAll(PEM_MARKER)) {
    const start = match.index;
    markers.push({
      begin: match[1] === 'BEGIN',
      label: match[2] ?? '',
      start,
      end: start + match[0].length + 5,
    });
  }
  // For each marker, the next END of its label after it; for each END, the next END of its label.
  const nextEnd = new Array<number | undefined>(markers.length);
  const nearest = new Map<string, number>();
  for (let i = markers.length - 1; i >= 0; i--) {
    const marker = markers[i] as Marker;
    nextEnd[i] = nearest.get(marker.label);
    if (!marker.begin) nearest.set(marker.label, i);
  }
  const blocks: { label: string; pem: string }[] = [];
  let from = 0;
  for (const [i, marker] of markers.entries()) {
    if (!marker.begin || marker.start < from) continue;
    let j = nextEnd[i];
    // An END sharing this BEGIN's closing dashes does not close it (the body starts after them).
    if (j !== undefined && (markers[j] as Marker).start < marker.end) j = nextEnd[j];
    if (j === undefined) continue;
    const end = (markers[j] as Marker).end;
    blocks.push({ label: marker.label, pem: text.slice(marker.start, end) });
    from = end;
  }
  return blocks;
}

/** Something typed where text was expected: a path, a `file:` URL, a home-relative name. */
const looksLikePath = (text: string) =>
  !text.includes('-----BEGIN') &&
  !/\n/.test(text) &&
  (/^(~|\.{1,2})?[/\\]/.test(text) ||
    /^[A-Za-z]:[/\\]/.test(text) ||
    /^file:/i.test(text) ||
    /\.(pem|crt|cer|key)$/i.test(text));

const PATH_MESSAGE = (what: string) =>
  `Paste the ${what} itself (the text from -----BEGIN to -----END), not a file path: Quarry never reads files for a connection`;

/**
 * What is wrong with a certificate (or bundle) text, or null when every certificate in it parses.
 * Remembered for the last few texts: a connection's settings are parsed again, two or three times,
 * at every run that opens it, and parsing its CA bundle each time was the largest part of a small
 * run's own work in the runner. Certificates are public: no secret (a private key) is remembered.
 */
export function certificateProblem(text: string, what: string): string | null {
  const key = `${what}\n${text}`;
  const known = checkedCertificates.get(key);
  if (known !== undefined) return known;
  const problem = findCertificateProblem(text, what);
  if (text.length <= REMEMBERED_TEXT_CHARS) {
    if (checkedCertificates.size >= CHECKED_CERTIFICATES) checkedCertificates.clear();
    checkedCertificates.set(key, problem);
  }
  return problem;
}

/** Certificate texts certificateProblem remembers at most (then it starts over), and their size. */
const CHECKED_CERTIFICATES = 16;
const REMEMBERED_TEXT_CHARS = 256 * 1024;
const checkedCertificates = new Map<string, string | null>();

function findCertificateProblem(text: string, what: string): string | null {
  if (text.length > MAX_PEM_CHARS) return `The ${what} is longer than ${MAX_PEM_CHARS / 1024} KB`;
  if (looksLikePath(text)) return PATH_MESSAGE(what);
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    return `The ${what} is not PEM text: paste everything from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----`;
  }
  if (blocks.some((block) => /PRIVATE KEY/.test(block.label))) {
    return `This is a private key, not a certificate: paste the ${what} here, and never a private key in a setting`;
  }
  if (blocks.length > MAX_CERTIFICATES) return `The ${what} holds more than ${MAX_CERTIFICATES} certificates`;
  for (const [index, block] of blocks.entries()) {
    if (block.label !== 'CERTIFICATE') {
      return `The ${what} holds a ${block.label.toLowerCase()} block; paste certificates only (-----BEGIN CERTIFICATE-----)`;
    }
    try {
      new X509Certificate(block.pem);
    } catch {
      return blocks.length === 1
        ? `The ${what} could not be read as an X.509 certificate; check that it was pasted whole`
        : `Certificate ${index + 1} of the ${what} could not be read as an X.509 certificate; check that it was pasted whole`;
    }
  }
  return null;
}

/** What is wrong with a private key's text, or null when it is an unencrypted key node can load. */
export function privateKeyProblem(text: string, what: string): string | null {
  if (text.length > 64 * 1024) return `The ${what} is longer than 64 KB`;
  if (looksLikePath(text)) return PATH_MESSAGE(what);
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    return `The ${what} is not PEM text: paste everything from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----`;
  }
  if (blocks.some((block) => block.label === 'CERTIFICATE')) {
    return `This is a certificate, not a private key: paste the key that belongs to the client certificate`;
  }
  if (
    blocks.some((block) => block.label === 'ENCRYPTED PRIVATE KEY') ||
    /Proc-Type:\s*4,ENCRYPTED/.test(text)
  ) {
    return `The ${what} is protected by a passphrase: paste it unencrypted (openssl pkey -in key.pem -out plain.pem); Quarry's vault seals it`;
  }
  try {
    createPrivateKey(text);
  } catch {
    return `The ${what} could not be read as a private key; check that it was pasted whole`;
  }
  return null;
}

/**
 * A certificate (or CA bundle) pasted as text. Empty means none (the form sends '' for a field left
 * blank); the field is optional where it is used.
 */
export const CertificateText = (what: string) =>
  z
    .string()
    .trim()
    .superRefine((text, context) => {
      if (text === '') return;
      const problem = certificateProblem(text, what);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });

/** A private key pasted as text (a secret: sealed by the vault, write-only). */
export const PrivateKeyText = (what: string) =>
  z
    .string()
    .trim()
    .superRefine((text, context) => {
      if (text === '') return;
      const problem = privateKeyProblem(text, what);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });

/** Whether `key` is the private key of the first certificate in `certificate` (both already valid). */
export function keyMatchesCertificate(certificate: string, key: string): boolean {
  const [first] = pemBlocks(certificate);
  if (!first) return false;
  try {
    return new X509Certificate(first.pem).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}
