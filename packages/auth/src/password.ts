import { hash, verify } from '@node-rs/argon2';

/** AUTH-6: argon2id at OWASP's minimum or above (19 MiB, 2 passes, 1 lane). */
// `algorithm: 2` is Argon2id; the package's const enum cannot be imported under verbatimModuleSyntax.
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A real hash of a random string: verifying against it costs what a real check costs, so a sign-in
// for an unknown email takes as long as one for a known email with a wrong password.
let decoy: Promise<string> | undefined;
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoy ??= hashPassword(crypto.randomUUID());
  await verifyPassword(await decoy, password);
  return false;
}
