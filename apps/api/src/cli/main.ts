import { verifyAuditChains } from './audit-verify';
import { loadCliEnv } from './env';

/**
 * Operator commands: `pnpm quarry audit verify [--workspace wsp_…]`. Reads DATABASE_URL (npm's
 * wrapper points it at the embedded server when unset). Exit code 1 when a chain is broken.
 */
const USAGE = 'usage: quarry audit verify [--workspace <wsp_id>]';

async function main(argv: string[]): Promise<number> {
  const [area, command, ...rest] = argv;
  if (area !== 'audit' || command !== 'verify') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const flag = rest.indexOf('--workspace');
  const only = flag >= 0 ? rest[flag + 1] : undefined;
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

process.exit(await main(process.argv.slice(2)));
