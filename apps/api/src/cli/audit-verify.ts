import { createDb } from '@quarry/db';
import { verifyAuditChain } from '@quarry/db/audit';

export type ChainReport = { chain: string; entries: number; problem: string | null };

/** Walks every audit chain (or one) and reports the first altered, inserted or deleted entry of each. */
export async function verifyAuditChains(databaseUrl: string, only?: string): Promise<ChainReport[] | null> {
  const { db, sql, close } = createDb(databaseUrl, { max: 1, applicationName: 'quarry-cli' });
  try {
    const [schema] = await sql<{ ok: boolean; heads: boolean }[]>`
      select to_regclass('audit_events') is not null as ok, to_regclass('audit_chain_heads') is not null as heads`;
    if (!schema?.ok) return null;
    // Every chain with an entry or a head: a chain whose entries were all deleted still has its head.
    const chains = only
      ? [only]
      : (schema.heads
          ? await sql<
              { chain: string }[]
            >`select chain from audit_events union select chain from audit_chain_heads`
          : await sql<{ chain: string }[]>`select distinct chain from audit_events`
        ).map((r) => r.chain);
    const reports: ChainReport[] = [];
    for (const chain of chains.sort()) {
      const result = await verifyAuditChain(db, chain);
      reports.push({
        chain,
        entries: result.entries,
        problem: result.break ? `entry ${result.break.seq} was ${describe(result.break.problem)}` : null,
      });
    }
    return reports;
  } finally {
    await close();
  }
}

const describe = (problem: string) =>
  ({ altered: 'altered', missing: 'deleted', inserted: 'inserted', broken_link: 'altered or re-linked' })[
    problem
  ] ?? problem;
