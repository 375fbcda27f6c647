import type { Db, Sql } from '@quarry/db';
import type { AllowList } from '@quarry/net-policy';
import type { Queue } from '@quarry/queue';
import type { Vault } from '@quarry/vault';
import type { QueueAdmin } from './operations/queue-admin';
import type { RunNotifier } from './runs/run-notifier';

export type Logger = {
  info: (fields: Record<string, unknown>, msg: string) => void;
  warn: (fields: Record<string, unknown>, msg: string) => void;
  error: (fields: Record<string, unknown>, msg: string) => void;
};

/** What the procedures need from the outside world, built once by apps/api and handed in. */
export type Deps = {
  db: Db;
  sql: Sql;
  queue: Pick<Queue, 'send' | 'schedule' | 'unschedule'>;
  vault: Vault;
  notifier: RunNotifier;
  log: Logger;
  /** The URL people open Quarry at (origin checks, SSO redirect URIs, links). */
  publicUrl: string;
  /** Cookies get `Secure` and the `__Host-` prefix unless the public URL is plain-http localhost. */
  secureCookies: boolean;
  /** Internal hosts an Admin allowed despite the address policy (CONN-2); none when unset. */
  allowPrivateHosts?: AllowList;
  /** Caps on queued plus running runs per member and per workspace; DEFAULT_RUN_CAPS when unset. */
  runCaps?: { perUser: number; perWorkspace: number };
  /** pg-boss's read and dead-letter API for the Admin operations page; it answers queue.unavailable when unset. */
  queueAdmin?: QueueAdmin;
  now: () => Date;
};
