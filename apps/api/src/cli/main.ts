import { verifyAuditChains } from './audit-verify';
import { loadCliEnv } from './env';
import { RUNNER_USAGE, runnerCli } from './runner';
import { vaultRotate } from './vault-rotate';

/**
 * Operator commands: `pnpm quarry audit verify [--workspace wsp_…]` and
 * `pnpm quarry vault rotate [--batch-size N]`, and `pnpm quarry runner status|cancel|retry|purge`
 * (see runner.ts). Reads DATABASE_URL and the master keys (npm's
 * wrapper points them at the embedded server and .data/master.key when unset). Exit code 1 when a
 * chain is broken or a record could not be re-wrapped, 2 for a usage or setup error.
 */
const USAGE = `usage: quarry audit verify [--workspace <wsp_id>]\n       quarry vault rotate [--batch-size <n>]\n${RUNNER_USAGE.replace('usage: ', '       ')}`;

const flagValue = (args: string[], flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};

async function auditVerify(args: string[]): Promise<number> {
  const only = flagValue(args, '--workspace');
  const env = loadCliEnv();
  const reports = await verifyAuditChains(env.DATABASE_URL, only);
  if (!reports) {
    process.stderr.write(
      "This database holds no Quarry schema yet: run `npm start` once, or point DATABASE_URL at Quarry's database\n",
    );
    return 2;
  }
  if (!reports.length) process.stdout.write('no audit entries yet\n');
  for (const r of reports) {
    process.stdout.write(
      `${r.problem ? '✗' : '✓'} ${r.chain}: ${r.entries} entries, ${r.problem ?? 'chain intact'}\n`,
    );
  }
  return reports.some((r) => r.problem) ? 1 : 0;
}

async function rotate(args: string[]): Promise<number> {
  const batchText = flagValue(args, '--batch-size');
  const batchSize = batchText === undefined ? undefined : Number(batchText);
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1)) {
    process.stderr.write(`--batch-size must be a positive whole number\n${USAGE}\n`);
    return 2;
  }
  const env = loadCliEnv();
  // Ctrl-C finishes the batch in hand, prints the summary and exits; a second one kills at once.
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return vaultRotate({
    databaseUrl: env.DATABASE_URL,
    keys: {
      QUARRY_MASTER_KEY: env.QUARRY_MASTER_KEY,
      QUARRY_PREVIOUS_MASTER_KEYS: env.QUARRY_PREVIOUS_MASTER_KEYS,
    },
    ...(batchSize !== undefined ? { batchSize } : {}),
    signal: controller.signal,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

async function main(argv: string[]): Promise<number> {
  const [area, command, ...rest] = argv;
  if (area === 'audit' && command === 'verify') return auditVerify(rest);
  if (area === 'vault' && command === 'rotate') return rotate(rest);
  if (area === 'runner') {
    const line = (write: (text: string) => boolean) => (text: string) => void write(`${text}\n`);
    return runnerCli({
      databaseUrl: loadCliEnv().DATABASE_URL,
      args: argv.slice(1),
      out: line((t) => process.stdout.write(t)),
      err: line((t) => process.stderr.write(t)),
    });
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exit(await main(process.argv.slice(2)));
