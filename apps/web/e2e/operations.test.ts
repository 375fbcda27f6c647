import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { TestDatabase } from '@quarry/db/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, artifacts, type BrowserProduct, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const VIEWPORT = { width: 1280, height: 900 };

let running: BrowserProduct;
let browser: Browser;
let database: TestDatabase;
const contexts: BrowserContext[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `operations-${name}.png`), fullPage: true });

/** The demo workspace's ids, as the seed left them. */
async function demo() {
  const [row] = await database.sql<
    { workspaceId: string; projectId: string; connectionId: string; adminId: string }[]
  >`select p.workspace_id as "workspaceId", p.id as "projectId", c.id as "connectionId", u.id as "adminId"
    from projects p
    join connections c on c.workspace_id = p.workspace_id and c.name = 'Demo warehouse'
    join users u on lower(u.email) = lower(${ADMIN.email})
    where p.name = 'Orders overview'`;
  if (!row) throw new Error('the demo workspace is missing');
  return row;
}

/** A run row of the demo Admin's, as runs.start or the runner leaves it. */
async function insertRun(values: {
  status: 'queued' | 'failed';
  createdSecondsAgo: number;
  error?: { code: string; message: string; hint: string; kind: string };
}): Promise<string> {
  const d = await demo();
  const id = `run_${randomUUID().replaceAll('-', '').slice(0, 16).replace(/[0-9]/g, 'a')}`;
  const created = new Date(Date.now() - values.createdSecondsAgo * 1000).toISOString();
  const finished = values.status === 'failed' ? new Date().toISOString() : null;
  await database.sql`insert into runs (id, workspace_id, project_id, cell_id, owner_id, connection_id, source, row_limit,
      status, error, created_at, started_at, finished_at)
    values (${id}, ${d.workspaceId}, ${d.projectId}, ${'cel_operationsdemo1'}, ${d.adminId}, ${d.connectionId},
      ${'select pg_sleep(600)'}, 100, ${values.status}, ${values.error ? JSON.stringify(values.error) : null}::jsonb,
      ${created}::timestamptz, ${values.status === 'failed' ? created : null}::timestamptz, ${finished}::timestamptz)`;
  return id;
}

/** A dead letter of run.execute, as pg-boss leaves one when a job fails after its last retry. */
async function insertDeadLetter(runId: string): Promise<string> {
  const d = await demo();
  const [queue] = await database.sql<{ table: string }[]>`
    select table_name as "table" from pgboss.queue where name = 'run.execute.dead'`;
  if (!queue) throw new Error('pg-boss has no run.execute.dead queue');
  const [job] = await database.sql<{ id: string }[]>`
    insert into ${database.sql(`pgboss.${queue.table}`)} (name, data, source_name, source_created_on)
    values ('run.execute.dead', ${JSON.stringify({ runId, workspaceId: d.workspaceId })}::jsonb, 'run.execute', now())
    returning id`;
  if (!job) throw new Error('no dead letter');
  return job.id;
}

describe.runIf(browserAvailable)('the operations page in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({ port: 3985, orders: 200 });
    ({ browser, database } = running);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await running?.stop();
  });

  it('shows an Admin the queue, their active runs, failures and dead letters, and cancels and retries', async () => {
    const insertedAt = Date.now();
    const queued = await insertRun({ status: 'queued', createdSecondsAgo: 185 });
    const failed = await insertRun({
      status: 'failed',
      createdSecondsAgo: 120,
      error: {
        code: 'connector.unreachable',
        message: 'The warehouse did not answer',
        hint: 'Check that the database is up',
        kind: 'system',
      },
    });
    const dead = await insertDeadLetter(failed);

    const context = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${running.product.url}/settings/audit`);
    await signIn(page);
    await page
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Query runner' })
      .click();
    await page.waitForURL('**/settings/operations');
    await page.getByTestId('operations-summary').waitFor();

    // The runner of the product registered itself with pg-boss.
    await expect
      .poll(() => page.getByTestId('operations-summary').textContent(), { timeout: 20_000 })
      .toMatch(/1 runner online/);
    const runs = page.getByTestId('operations-queues').locator('[data-queue="run.execute"] td');
    await expect.poll(() => runs.allTextContents()).toEqual(['0', '0', '0', '1']);

    const active = page.getByTestId('operations-active-runs').locator(`[data-run-id="${queued}"]`);
    await expect.poll(() => active.textContent()).toMatch(/Queued\s*\d+m \d+s/);
    // Its age as shown: at least the 185 s it was created before, at most that plus the time since
    // (a loaded machine takes seconds to sign in and open the page).
    const [, minutes, seconds] = /Queued\s*(\d+)m (\d+)s/.exec((await active.textContent()) ?? '') ?? [];
    const shownAge = Number(minutes) * 60 + Number(seconds);
    expect(shownAge).toBeGreaterThanOrEqual(185);
    expect(shownAge).toBeLessThanOrEqual(185 + Math.ceil((Date.now() - insertedAt) / 1000) + 1);
    expect(await active.textContent()).toContain(ADMIN.email);
    expect(await active.textContent()).toContain('Demo warehouse');

    const failure = page.getByTestId('operations-failures').locator(`[data-run-id="${failed}"]`);
    expect(await failure.textContent()).toContain('The warehouse did not answer');
    expect(await failure.textContent()).toContain('connector.unreachable');
    expect(await failure.textContent()).toContain('Quarry or the connection');

    const letter = page.getByTestId('operations-dead-letters').locator(`[data-job-id="${dead}"]`);
    expect(await letter.textContent()).toContain(failed);
    await shot(page, 'page');

    // Cancel: the confirm dialog, then the run leaves the list and is cancelled in the database.
    await active.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect.poll(() => dialog.textContent()).toContain('Its query stops on the warehouse too');
    await shot(page, 'cancel-dialog');
    await dialog.getByRole('button', { name: 'Yes, cancel the run' }).click();
    await active.waitFor({ state: 'detached' });
    const [run] = await database.sql<{ status: string }[]>`select status from runs where id = ${queued}`;
    expect(run?.status).toBe('cancelled');

    // Retry: the dead letter goes back to run.execute (its run already failed, so the runner leaves it).
    await letter.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => dialog.textContent()).toContain('already ended');
    await dialog.getByRole('button', { name: 'Yes, retry' }).click();
    await letter.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByText('No dead letters in this workspace.').count()).toBe(1);
    const [after] = await database.sql<{ status: string }[]>`select status from runs where id = ${failed}`;
    expect(after?.status).toBe('failed');
    await shot(page, 'after');

    // Purge: a new dead letter, then Delete all with its confirmation.
    const another = await insertDeadLetter(failed);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`[data-job-id="${another}"]`).waitFor();
    await page.getByRole('button', { name: 'Delete all dead letters of Runs' }).click();
    await expect.poll(() => dialog.textContent()).toContain('They cannot be retried afterwards');
    await dialog.getByRole('button', { name: 'Yes, delete them' }).click();
    await page.locator(`[data-job-id="${another}"]`).waitFor({ state: 'detached' });
    const [left] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job where name = 'run.execute.dead' and state < 'active'`;
    expect(left?.n).toBe(0);
  });
});
