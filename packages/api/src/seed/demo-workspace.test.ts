import { NotebookCell, RunPlan } from '@quarry/contracts';
import { cells } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  type TestDatabase,
  type TestWarehouse,
} from '@quarry/db/testing';
import { planRun } from '@quarry/notebook';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNotebookCell } from '../projects/services/notebook-cell';
import { seedDemoWorkspace } from './demo-workspace';

let database: TestDatabase;
let warehouse: TestWarehouse;
beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 3000 });
});
afterAll(async () => {
  await warehouse?.drop();
  await database?.drop();
});

describe('the demo workspace', () => {
  it("seeds a notebook whose SQL cell reads the status input as a bound parameter and whose JS cell sums the SQL cell's rows", async () => {
    const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const { projectId } = await seedDemoWorkspace(
      { db: database.db, vault: loaded.value },
      {
        adminEmail: `admin-${crypto.randomUUID()}@example.test`,
        adminPassword: crypto.randomUUID(),
        warehouse: { ...warehouse.reader, sslMode: 'require' },
      },
    );
    const rows = await database.db
      .select()
      .from(cells)
      .where(eq(cells.projectId, projectId))
      .orderBy(asc(cells.position));
    const notebook = rows.map((row) => NotebookCell.parse(toNotebookCell(row, null)));
    expect(notebook.map((c) => [c.position, c.kind, c.name])).toEqual([
      [0, 'markdown', 'about'],
      [1, 'input', 'status'],
      [2, 'sql', 'orders_by_status'],
      [3, 'js', 'summary'],
    ]);
    const sqlCell = notebook[2];
    const jsCell = notebook[3];
    if (sqlCell?.kind !== 'sql' || jsCell?.kind !== 'js') throw new Error('unexpected kinds');
    const connectionId = sqlCell.connectionId;
    const dialectOf = (id: string) => (id === connectionId ? ('postgresql' as const) : null);

    const sqlPlan = planRun({ cells: notebook, targetCellId: sqlCell.id, inputs: {}, dialectOf });
    if (!sqlPlan.ok) throw new Error(sqlPlan.error.message);
    const [step] = RunPlan.parse(sqlPlan.value).steps;
    if (step?.kind !== 'sql') throw new Error('a SQL step first');
    expect(step.params).toEqual(['delivered']);
    expect(step.sql).toContain('where status = $1');
    expect(step.sql).not.toContain('{{');

    const jsPlan = planRun({
      cells: notebook,
      targetCellId: jsCell.id,
      inputs: { status: 'returned' },
      dialectOf,
    });
    if (!jsPlan.ok) throw new Error(jsPlan.error.message);
    expect(jsPlan.value.steps.map((s) => [s.kind, s.name])).toEqual([
      ['sql', 'orders_by_status'],
      ['js', 'summary'],
    ]);
    expect(jsPlan.value.steps[1]).toMatchObject({ uses: ['orders_by_status', 'status'] });

    // The compiled SQL runs on the demo warehouse's real columns, one status at a time.
    const reader = postgres({ ...warehouse.reader, ssl: { rejectUnauthorized: false }, max: 1 });
    try {
      for (const status of ['delivered', 'returned']) {
        const result = await reader.unsafe(step.sql, [status]);
        expect(result.columns.map((c) => c.name)).toEqual(['channel', 'orders', 'revenue']);
        const [expected] = await reader.unsafe(
          `select count(*)::int as n from orders
           where status = $1 and ordered_at > (select max(ordered_at) from orders) - interval '90 days'`,
          [status],
        );
        expect(result.reduce((n, row) => n + Number(row.orders), 0)).toBe(expected?.n);
        expect(expected?.n).toBeGreaterThan(0);
      }
    } finally {
      await reader.end();
    }
  });
});
