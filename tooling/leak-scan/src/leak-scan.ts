import { createHash } from 'node:crypto';

/** Shorter values match too much ordinary text (ids, words, numbers) to mean anything. */
export const MIN_SECRET_LENGTH = 8;

/**
 * Observed text kept in memory so a secret registered later (the sweep of a test database at its
 * drop) is still checked against it. Beyond this, the oldest text is dropped: it was already checked
 * against every secret registered by then.
 */
const MAX_KEPT_CHARS = 64 * 1024 * 1024;

/** One place a registered value appeared. Never carries the value: its length and a short hash. */
export type Leak = {
  where: string;
  /** What the value is: the vault purpose it was sealed for, or what registered it. */
  origin: string;
  length: number;
  /** The first 8 hex digits of the value's SHA-256: enough to tell two leaks apart, not to recover it. */
  hash: string;
  /** How it appeared: as is, JSON-escaped, or URL-encoded. */
  form: 'plain' | 'json' | 'url';
};

type Secret = { value: string; origin: string; hash: string; forms: { form: Leak['form']; text: string }[] };
type Observation = { where: string; text: string };

/** Something that can open a sealed record: a vault the tests made (the sweep of stored secrets uses it). */
export type Opener = {
  openText(
    record: Uint8Array,
    context: { workspaceId: string; recordId: string; purpose: string },
  ): { ok: true; value: string } | { ok: false };
};

export type LeakScan = {
  /** A value that must never appear in anything observed; shorter than 8 characters is ignored. */
  registerSecret(value: string, origin?: string): void;
  /** Text a test saw: a response body, a log line, an audit row, a page's response. */
  observe(text: string, where: string): void;
  /** An observation that completes later (a response body still arriving); awaited by the check. */
  track(pending: Promise<unknown>): void;
  /** Vaults of the tests' own making, which can open what the product sealed with the same key. */
  rememberVault(vault: Opener): void;
  vaults(): readonly Opener[];
  /** Every leak found so far, after the pending observations settled (or waited `timeoutMs`). */
  leaks(timeoutMs?: number): Promise<Leak[]>;
  /** Returns the leaks found so far and forgets them (a test that provokes one on purpose). */
  takeLeaks(): Promise<Leak[]>;
  /** Throws an error listing where each registered value appeared, without the values. */
  assertNoLeaks(): Promise<void>;
  /** How many distinct secrets are registered (tests of the scan). */
  secretCount(): number;
  /** How many observations each kind of place gave (`response`, `log`, `audit`, `page`): coverage. */
  observedCounts(): Record<string, number>;
};

const sha8 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);

function formsOf(value: string): Secret['forms'] {
  const forms: Secret['forms'] = [{ form: 'plain', text: value }];
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) forms.push({ form: 'json', text: json });
  const url = encodeURIComponent(value);
  if (url !== value) forms.push({ form: 'url', text: url });
  return forms;
}

/** A registry of secrets and observations. Tests of the scan make their own; the suite shares one. */
export function createLeakScan(): LeakScan {
  const secrets = new Map<string, Secret>();
  const kept: Observation[] = [];
  let keptChars = 0;
  const found = new Map<string, Leak>();
  const pending = new Set<Promise<unknown>>();
  const openers: Opener[] = [];
  const counts: Record<string, number> = {};

  const check = (secret: Secret, observation: Observation) => {
    for (const { form, text } of secret.forms) {
      if (!observation.text.includes(text)) continue;
      const key = `${secret.hash}\u0000${observation.where}\u0000${form}`;
      if (!found.has(key)) {
        found.set(key, {
          where: observation.where,
          origin: secret.origin,
          length: secret.value.length,
          hash: secret.hash,
          form,
        });
      }
    }
  };

  const settle = async (timeoutMs: number) => {
    if (pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...pending]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  };

  /** A `where` can hold a URL path, which could hold the very value: never print it. */
  const scrub = (where: string) => {
    let out = where;
    for (const secret of secrets.values()) {
      for (const { text } of secret.forms) out = out.split(text).join('[secret]');
    }
    return out;
  };

  const leaks = async (timeoutMs = 5000) => {
    await settle(timeoutMs);
    return [...found.values()].map((leak) => ({ ...leak, where: scrub(leak.where) }));
  };

  return {
    registerSecret(value, origin = 'registered') {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
      const secret: Secret = { value, origin, hash: sha8(value), forms: formsOf(value) };
      secrets.set(value, secret);
      for (const observation of kept) check(secret, observation);
    },
    observe(text, where) {
      if (typeof text !== 'string' || text.length < MIN_SECRET_LENGTH) return;
      const observation = { where, text };
      const kind = where.split(':')[0] ?? where;
      counts[kind] = (counts[kind] ?? 0) + 1;
      for (const secret of secrets.values()) check(secret, observation);
      kept.push(observation);
      keptChars += text.length;
      while (keptChars > MAX_KEPT_CHARS && kept.length > 1) {
        keptChars -= kept.shift()?.text.length ?? 0;
      }
    },
    track(promise) {
      const settled = promise.then(
        () => {},
        () => {},
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
    },
    rememberVault(vault) {
      // A vault and its watched twin share their methods: remember the pair once.
      if (!openers.some((known) => known.openText === vault.openText)) openers.push(vault);
    },
    vaults: () => openers,
    leaks,
    async takeLeaks() {
      const all = await leaks();
      found.clear();
      return all;
    },
    async assertNoLeaks() {
      const all = await leaks();
      if (all.length === 0) return;
      const lines = all.map(
        (leak) =>
          `  - a ${leak.origin} value (${leak.length} characters, sha256 ${leak.hash}…) appeared ${
            leak.form === 'plain' ? '' : `${leak.form}-encoded `
          }in ${leak.where}`,
      );
      throw new Error(
        `Leak scan: a stored credential or secret value appeared in what the tests saw (write-only fields, issue 9 item 4):\n${lines.join('\n')}`,
      );
    },
    secretCount: () => secrets.size,
    observedCounts: () => ({ ...counts }),
  };
}

const GLOBAL_KEY = Symbol.for('quarry.leak-scan');
type Holder = { [GLOBAL_KEY]?: LeakScan };

/**
 * The test file's registry. Kept on globalThis so every copy of this module a test process loads
 * (vitest inlines workspace packages per importer) shares it.
 */
export function leakScan(): LeakScan {
  const holder = globalThis as Holder;
  holder[GLOBAL_KEY] ??= createLeakScan();
  return holder[GLOBAL_KEY];
}

/** A fresh registry for the next test file (the setup file calls it). */
export function resetLeakScan(): void {
  (globalThis as Holder)[GLOBAL_KEY] = createLeakScan();
}

export const registerSecret = (value: string, origin?: string) => leakScan().registerSecret(value, origin);
export const observe = (text: string, where: string) => leakScan().observe(text, where);
