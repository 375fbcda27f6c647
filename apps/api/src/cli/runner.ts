import {
  cancelRunAsOperator,
  type OperationsDeps,
  purgeDeadLetters,
  readOperationsStatus,
  readRunners,
  retryDeadLetter,
} from '@quarry/api';
import type { OperationsStatus, RunnerInstance } from '@quarry/contracts';
import { createDb } from '@quarry/db';
import { jobCatalog, jobNames, startQueue } from '@quarry/queue';

/**
 * `pnpm quarry runner status | cancel <run_id> | retry <job_id> | purge <queue>` for the on-call
 * engineer, over every workspace (whoever holds DATABASE_URL holds them all). Human-readable
 * output by default, `--json` for programs. Exit codes: 0 done, 1 nothing matched (no such run or
 * dead letter), 2 a usage or setup error.
 */
export type RunnerCliInput = {
  databaseUrl: string;
  args: string[];
  now?: () => Date;
  out: (text: string) => void;
  err: (text: string) => void;
};

export const RUNNER_USAGE = [
  'usage: quarry runner status [--json]',
  '       quarry runner cancel <run_id> [--json]',
  '       quarry runner retry <dead-letter job id> [--json]',
  '       quarry runner purge <queue> [--json]   (deletes the queue’s dead letters)',
].join('\n');

export async function runnerCli(input: RunnerCliInput): Promise<number> {
  const json = input.args.includes('--json');
  const [command, target, ...extra] = input.args.filter((a) => a !== '--json');
  const usage = (why?: string) => {
    input.err(`${why ? `${why}\n` : ''}${RUNNER_USAGE}`);
    return 2;
  };
  if (command !== 'status' && command !== 'cancel' && command !== 'retry' && command !== 'purge')
    return usage();
  if (command === 'status' ? target !== undefined : target === undefined || extra.length > 0) {
    return usage(command === 'status' ? undefined : `${command} needs exactly one argument`);
  }
  const { db, sql, close } = createDb(input.databaseUrl, { max: 2, applicationName: 'quarry-cli' });
  try {
    const [schema] = await sql<{ ok: boolean }[]>`select to_regclass('runs') is not null as ok`;
    if (!schema?.ok) {
      input.err(
        "This database holds no Quarry schema yet: run `npm start` once, or point DATABASE_URL at Quarry's database",
      );
      return 2;
    }
    const queue = await startQueue(input.databaseUrl, { supervise: false });
    try {
      const deps: OperationsDeps = { db, queue: queue.boss, now: input.now ?? (() => new Date()) };
      const print = (value: unknown, text: string) => input.out(json ? JSON.stringify(value, null, 2) : text);
      if (command === 'status') {
        const [status, runners] = await Promise.all([
          readOperationsStatus(deps, { all: true }, { fresh: true }),
          readRunners(queue.boss),
        ]);
        print({ ...status, runners }, formatStatus(status, runners, deps.now()));
        return 0;
      }
      if (command === 'cancel') {
        const result = await cancelRunAsOperator(deps, { kind: 'cli' }, { runId: target ?? '' });
        if (!result.ok) {
          print({ error: result.error }, `No run ${target} in this database`);
          return 1;
        }
        const r = result.value;
        print(
          r,
          r.cancelled
            ? `Cancelled ${r.runId} (workspace ${r.workspaceId}); its runner cancels the query on the warehouse`
            : `${r.runId} was already ${r.status}: nothing to cancel`,
        );
        return 0;
      }
      if (command === 'retry') {
        const jobId = target ?? '';
        const found = await findDeadLetter(deps, jobId);
        if (!found) {
          print(
            { error: { code: 'not_found.dead_letter' } },
            `No dead letter ${jobId} in any dead-letter queue`,
          );
          return 1;
        }
        const result = await retryDeadLetter(deps, { kind: 'cli' }, { queue: found, jobId });
        if (!result.ok) {
          print({ error: result.error }, `No dead letter ${jobId} in ${found}`);
          return 1;
        }
        print({ queue: found, ...result.value }, `Handed ${jobId} back from ${found} to its queue`);
        return 0;
      }
      const deadQueue = deadLetterQueueOf(target ?? '');
      if (!deadQueue) {
        return usage(`No queue ${target}: name one of ${jobNames.join(', ')} (or its .dead queue)`);
      }
      const result = await purgeDeadLetters(deps, { kind: 'cli' }, { queue: deadQueue });
      if (!result.ok) return usage(result.error.message);
      print(
        { queue: deadQueue, ...result.value },
        `Deleted ${result.value.count} dead letters from ${deadQueue}`,
      );
      return 0;
    } finally {
      await queue.stop({ graceful: false, timeoutMs: 2000 });
    }
  } finally {
    await close();
  }
}

/** `run.execute` or `run.execute.dead` → `run.execute.dead`; anything else → null. */
function deadLetterQueueOf(name: string): string | null {
  for (const queue of jobNames) {
    const dead = jobCatalog[queue].queue.deadLetter;
    if (name === queue || name === dead) return dead;
  }
  return null;
}

/** The dead-letter queue holding a job id, if any. */
async function findDeadLetter(deps: OperationsDeps, jobId: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(jobId)) return null;
  for (const queue of jobNames) {
    const dead = jobCatalog[queue].queue.deadLetter;
    const [job] = await deps.queue.findJobs(dead, { id: jobId, queued: true });
    if (job) return dead;
  }
  return null;
}

/** `2m 05s`, `3h 10m`, `12s`. */
export function age(from: Date, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** Rows as aligned columns, numbers to the right. */
function table(headers: string[], rows: (string | number)[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: (string | number)[]) =>
    `  ${cells
      .map((c, i) =>
        typeof c === 'number' ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd()}`;
  return [line(headers), ...rows.map(line)].join('\n');
}

function formatStatus(status: OperationsStatus, runners: RunnerInstance[], now: Date): string {
  const parts: string[] = [];
  parts.push(
    'Queues (pg-boss counts, at most a minute old)',
    table(
      ['queue', 'queued', 'active', 'deferred', 'dead letters'],
      status.queues.map((q) => [q.queue, q.queued, q.active, q.deferred, q.deadLetters]),
    ),
  );
  const live = runners.filter((r) => !r.quiet);
  parts.push(
    '',
    `Runners: ${live.length} online${runners.length > live.length ? `, ${runners.length - live.length} quiet (no heartbeat: probably dead)` : ''}${live.length === 0 ? ': nothing takes runs; start a query runner' : ''}`,
  );
  if (runners.length) {
    parts.push(
      table(
        ['host', 'pid', 'runs held', 'last heartbeat', 'state'],
        runners.map((r) => [
          r.host,
          r.pid,
          r.active['run.execute'] ?? 0,
          r.heartbeatAt ? `${age(r.heartbeatAt, now)} ago` : '-',
          r.quiet ? 'quiet' : 'live',
        ]),
      ),
    );
  }
  parts.push('', `Active runs (${status.activeRuns.length})`);
  if (status.activeRuns.length) {
    parts.push(
      table(
        ['run', 'status', 'age', 'owner', 'connection', 'workspace'],
        status.activeRuns.map((r) => [
          r.runId,
          r.status,
          age(r.createdAt, now),
          r.ownerEmail ?? r.ownerId,
          r.connectionName ? `${r.connectionName} (${r.connectionId})` : (r.connectionId ?? '-'),
          r.workspaceId,
        ]),
      ),
    );
  }
  parts.push('', `Recent failures, last 24 h (${status.recentFailures.length})`);
  if (status.recentFailures.length) {
    parts.push(
      table(
        ['run', 'when', 'kind', 'code', 'message', 'owner', 'workspace'],
        status.recentFailures.map((f) => [
          f.runId,
          `${age(f.finishedAt, now)} ago`,
          f.kind ?? '-',
          f.code,
          f.message.length > 80 ? `${f.message.slice(0, 79)}…` : f.message,
          f.ownerEmail ?? f.ownerId,
          f.workspaceId,
        ]),
      ),
    );
  }
  const deadTotal = status.queues.reduce((sum, q) => sum + q.deadLetters, 0);
  parts.push('', `Dead letters (${deadTotal})`);
  if (status.deadLetters.length) {
    parts.push(
      table(
        ['job id', 'queue', 'failed on', 'run', 'run status', 'age'],
        status.deadLetters.map((d) => [
          d.id,
          d.queue,
          d.sourceQueue ?? '-',
          d.runId ?? '-',
          d.runStatus ?? '-',
          age(d.createdAt, now),
        ]),
      ),
      '',
      'Retry one with `pnpm quarry runner retry <job id>`; delete a queue’s with `pnpm quarry runner purge <queue>`.',
    );
  }
  return parts.join('\n');
}
