import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDb } from '@quarry/db';
import { TEST_READER_PASSWORD, type TestDatabase, testTlsServer } from '@quarry/db/testing';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, type BrowserProduct, demoSqlCell, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const EDITOR = { email: 'ed@quarry.local', name: 'Ed Editor', password: 'ed browses schemas' };
const VIEWPORT = { width: 1280, height: 900 };
const SELECT_ORDERS = 'select * from "public"."orders" limit 100';

/**
 * The demo connection's login role for this file. Roles are cluster-wide, and every test process
 * that seeds a warehouse on the shared TLS server sets the demo reader's password to its own; a
 * role of this file's own (like the demo reader: it reads, owns nothing) keeps others' seeds out.
 */
const READER_ROLE = `quarry_e2e_schema_${randomBytes(4).toString('hex')}`;

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;
const contexts: BrowserContext[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `schema-${name}.png`), fullPage: true });

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  return context.newPage();
}

/** A tRPC mutation from inside the signed-in page: same origin, the page's own session cookie. */
async function callApi(page: Page, path: string, input: unknown): Promise<unknown> {
  const answer = await page.evaluate(
    async ({ path, input }) => {
      const response = await fetch(`/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: input }),
      });
      return { status: response.status, body: await response.json() };
    },
    { path, input },
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.result.data.json;
}

/** Points the seeded demo connection at the warehouse through this file's own reader role. */
async function useOwnReaderRole(database: TestDatabase): Promise<void> {
  const [row] = await database.sql<{ settings: { database: string } }[]>`
    select settings from connections where name = 'Demo warehouse'`;
  if (!row) throw new Error('the demo connection is missing');
  const url = new URL(testTlsServer().adminUrl);
  url.pathname = `/${row.settings.database}`;
  const warehouse = createDb(url.toString(), { max: 1 });
  try {
    const password = (
      await warehouse.sql<{ q: string }[]>`select quote_literal(${TEST_READER_PASSWORD}) as q`
    )[0]?.q;
    await warehouse.sql.unsafe(`create role ${READER_ROLE} login password ${password}`);
    await warehouse.sql.unsafe(`grant connect on database "${row.settings.database}" to ${READER_ROLE}`);
    await warehouse.sql.unsafe(`grant usage on schema public to ${READER_ROLE}`);
    await warehouse.sql.unsafe(`grant select on all tables in schema public to ${READER_ROLE}`);
  } finally {
    await warehouse.close();
  }
  await database.sql`update connections set settings = jsonb_set(settings, '{username}', to_jsonb(${READER_ROLE}::text))
    where name = 'Demo warehouse'`;
}

async function dropOwnReaderRole(): Promise<void> {
  const server = createDb(testTlsServer().adminUrl, { max: 1 });
  try {
    await server.sql.unsafe(`drop role if exists ${READER_ROLE}`);
  } finally {
    await server.close();
  }
}

async function openDemoProject(page: Page): Promise<Locator> {
  await page.getByRole('link', { name: 'Projects', exact: true }).click();
  await page.getByRole('link', { name: 'Orders overview' }).click();
  const panel = page.getByTestId('data-browser');
  await panel.waitFor();
  return panel;
}

/** The tree once the demo warehouse's schema is read: by the refresh its creation started, or by Refresh. */
async function demoTree(panel: Locator): Promise<void> {
  const orders = panel.locator('[data-table="orders"]');
  const empty = panel.getByTestId('schema-empty');
  await orders.or(empty).first().waitFor({ timeout: 20_000 });
  if ((await empty.count()) > 0 && (await panel.getByTestId('schema-refresh-progress').count()) === 0) {
    const text = (await empty.textContent()) ?? '';
    if (text.includes('Refresh to load')) await panel.getByRole('button', { name: 'Refresh' }).click();
  }
  await orders.waitFor({ timeout: 30_000 });
}

describe.runIf(browserAvailable)('the data browser in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({ port: 3975, orders: 2_000, beforeLaunch: useOwnReaderRole });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    for (const [index, context] of contexts.entries())
      for (const page of context.pages()) await shot(page, `last-${index}`).catch(() => undefined);
    for (const context of contexts) await context.close().catch(() => undefined);
    await running?.stop();
    await dropOwnReaderRole();
  });

  it('browses the demo schema, searches a column, inserts a select into the cell and runs it', async () => {
    const admin = await newPage();
    await admin.goto(product.url);
    await signIn(admin);
    await admin.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const panel = await openDemoProject(admin);
    await demoTree(panel);

    // Databases → schemas → tables and views, each with its kind; when it was read and by whom.
    expect(await panel.getByTestId('schema-row-database').count()).toBe(1);
    const tables = await panel
      .locator('[data-table]')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-table')));
    expect(tables).toEqual(
      expect.arrayContaining(['customers', 'orders', 'order_items', 'products', 'quarry_demo_meta']),
    );
    expect(await panel.locator('[data-table="daily_revenue"] .schema-kind').textContent()).toBe('view');
    expect(await panel.locator('[data-table="orders"] .schema-kind').textContent()).toBe('table');
    await expect
      .poll(() => panel.getByTestId('schema-last-refreshed').textContent(), { timeout: 10_000 })
      .toMatch(/^Refreshed .+ (by Demo Admin|when the connection was created|on schedule)$/);
    expect(await panel.getByRole('button', { name: 'Refresh' }).isEnabled()).toBe(true);
    await shot(admin, '1-tree');

    // A table opens to its columns: type, nullability, the primary key marked.
    // From the keyboard, as in a file tree: Right opens the table, Down walks into its columns.
    const orders = panel.locator('[data-table="orders"]');
    await orders.focus();
    await orders.press('ArrowRight');
    const id = panel.locator('[data-column="id"]').first();
    await id.waitFor();
    await admin.keyboard.press('ArrowDown');
    await expect
      .poll(() => admin.evaluate(() => document.activeElement?.getAttribute('data-column')))
      .toBe('id');
    expect(await id.locator('.schema-pk').count()).toBe(1);
    expect(await id.locator('.schema-type').textContent()).toBe('bigint');
    expect(await panel.locator('[data-column="shipped_at"] .schema-null').textContent()).toBe('null');
    expect(await panel.locator('[data-column="total"] .schema-null').textContent()).toBe('not null');
    await shot(admin, '2-columns');

    // Search finds a column by part of its name and marks the part.
    await panel.getByTestId('schema-search').fill('shipped');
    const hit = panel.getByTestId('schema-hit').filter({ hasText: 'shipped_at' }).first();
    await hit.waitFor({ timeout: 10_000 });
    expect(await hit.getAttribute('data-type')).toBe('column');
    expect(await hit.locator('mark').textContent()).toBe('shipped');
    expect(await hit.locator('.schema-hit-path').textContent()).toBe(
      'public › orders · timestamp with time zone',
    );
    await shot(admin, '3-search');

    // The cell's SQL selected, a click on the hit's table writes a quoted select in its place.
    const editor = demoSqlCell(admin).getByLabel('SQL', { exact: true });
    await editor.click();
    await editor.press('Control+A');
    await hit.getByRole('button', { name: 'Insert a select of public.orders into the current cell' }).click();
    await expect.poll(() => admin.locator('.cell .cm-content').first().textContent()).toBe(SELECT_ORDERS);
    expect(await panel.getByTestId('data-browser-notice').textContent()).toBe(
      'Inserted into orders_by_status.',
    );
    await shot(admin, '4-inserted');

    await demoSqlCell(admin).getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => demoSqlCell(admin).getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/^100 rows in/);
    expect(await demoSqlCell(admin).getByTestId('results').locator('thead th').allTextContents()).toEqual(
      expect.arrayContaining(['id', 'customer_id', 'status', 'shipped_at', 'total']),
    );
    await shot(admin, '5-ran');

    // Refresh reads the schema again and says who did it.
    await panel.getByTestId('schema-search').fill('');
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await panel.getByTestId('schema-refresh-done').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => panel.getByTestId('schema-last-refreshed').textContent())
      .toMatch(/by Demo Admin$/);

    // Settings → Data sources → the connection's Schema tab: a cadence, and a rule that hides the
    // demo's bookkeeping table; a rule naming nothing is refused beside it.
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Data sources' })
      .click();
    await admin.getByRole('button', { name: 'Actions for Demo warehouse' }).click();
    await admin.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('tab', { name: 'Schema' }).click();
    const form = dialog.getByRole('form', { name: 'Schema settings' });
    await form.getByLabel('Refresh the schema').selectOption('weekly');
    const hide = form.getByTestId('schema-rules-exclude');
    await hide.getByRole('button', { name: '+ Add a rule' }).click();
    await form.getByRole('button', { name: 'Save schema settings' }).click();
    expect(await hide.getByRole('alert').textContent()).toBe(
      'A rule names a database, a schema or a table pattern',
    );
    await shot(admin, '6-settings-invalid');
    await hide.getByLabel('Table').fill('quarry_*');
    await form.getByRole('button', { name: 'Save schema settings' }).click();
    await admin.getByTestId('toast').getByText('Schema settings saved').waitFor();
    expect(await hide.getByRole('alert').count()).toBe(0);
    await shot(admin, '7-settings-saved');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const saved = await running.database.sql<{ refresh_cadence: string; schema_filter: unknown }[]>`
      select refresh_cadence, schema_filter from connections where name = 'Demo warehouse'`;
    expect(saved[0]).toEqual({
      refresh_cadence: 'weekly',
      schema_filter: { include: [], exclude: [{ table: 'quarry_*' }] },
    });
    // The new filter refreshes the schema at once; the hidden table leaves the tree.
    await openDemoProject(admin);
    await expect
      .poll(() => panel.locator('[data-table="quarry_demo_meta"]').count(), { timeout: 30_000 })
      .toBe(0);
    await panel.locator('[data-table="orders"]').waitFor();

    // An Editor where Can refresh schema is "Admins only" sees Refresh disabled, and why.
    const invite = (await callApi(admin, 'invites.create', { email: EDITOR.email, role: 'editor' })) as {
      link: string;
    };
    const { sql } = running.database;
    await sql`update connections set can_refresh_schema = 'admins_only' where name = 'Demo warehouse'`;
    const editorPage = await newPage();
    await editorPage.goto(new URL(invite.link, product.url).toString());
    await editorPage.getByLabel('Your name').fill(EDITOR.name);
    await editorPage.getByLabel('Password').fill(EDITOR.password);
    await editorPage.getByRole('button', { name: 'Join workspace' }).click();
    await editorPage.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const [facts] = await sql<{ project_id: string; editor_id: string }[]>`
      select p.id as project_id, u.id as editor_id from projects p, users u
      where p.name = 'Orders overview' and u.email = ${EDITOR.email}`;
    if (!facts) throw new Error('the demo project or the Editor is missing');
    await callApi(admin, 'sharing.share', {
      projectId: facts.project_id,
      target: { kind: 'user', userId: facts.editor_id },
      permission: 'can_edit',
    });
    // The list the Editor saw on joining was read before the share.
    await editorPage.reload();
    const editorPanel = await openDemoProject(editorPage);
    await editorPanel.locator('[data-table="orders"]').waitFor({ timeout: 10_000 });
    const refresh = editorPanel.getByRole('button', { name: 'Refresh' });
    expect(await refresh.isDisabled()).toBe(true);
    const reason = (await editorPanel.getByTestId('schema-refresh-reason').textContent()) ?? '';
    expect(reason).toMatch(/admin/i);
    expect(await refresh.getAttribute('title')).toBe(reason);
    await shot(editorPage, '8-editor-refresh-disabled');
  });
  it('keeps a schema of 5,000 tables smooth: a bounded number of lines in the page, the last one reached by scrolling, any found by search', async () => {
    const { sql } = running.database;
    const [connection] = await sql<{ id: string; workspace_id: string; database: string }[]>`
      select id, workspace_id, settings->>'database' as database from connections where name = 'Demo warehouse'`;
    if (!connection) throw new Error('the demo connection is missing');
    // As a refresh of a big warehouse leaves the store: 5,000 tables of 20 columns in one schema.
    await sql`insert into schema_tables (id, workspace_id, connection_id, database, schema, name, kind, column_count, signature)
      select 'stb_bulk' || g, ${connection.workspace_id}, ${connection.id}, ${connection.database}, 'bulk',
        'bulk_table_' || lpad(g::text, 5, '0'), 'table', 20, 'bulk'
      from generate_series(1, 5000) g`;
    await sql`insert into schema_columns (table_id, workspace_id, connection_id, position, name, db_type, nullable, primary_key)
      select 'stb_bulk' || g, ${connection.workspace_id}, ${connection.id}, c, 'bulk_column_' || c, 'integer', c > 1, c = 1
      from generate_series(1, 5000) g, generate_series(1, 20) c`;

    const page = await newPage();
    await page.goto(product.url);
    await signIn(page);
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const started = Date.now();
    const panel = await openDemoProject(page);
    await panel.locator('[data-table="bulk_table_00001"]').waitFor({ timeout: 15_000 });
    const openMs = Date.now() - started;
    const lines = await panel.locator('li.schema-row').count();
    expect(lines).toBeLessThan(100);

    // Scrolling to the end draws the last table; the page still holds a window of lines.
    const tree = panel.getByTestId('schema-tree');
    const scrolled = Date.now();
    await tree.evaluate((node) => {
      node.scrollTop = node.scrollHeight;
    });
    await panel.locator('[data-table="bulk_table_05000"]').waitFor({ timeout: 5_000 });
    const scrollMs = Date.now() - scrolled;
    expect(await panel.locator('li.schema-row').count()).toBeLessThan(100);
    await shot(page, '9-5000-tables');

    const searched = Date.now();
    await panel.getByTestId('schema-search').fill('bulk_table_04321');
    await panel.getByTestId('schema-hit').filter({ hasText: 'bulk_table_04321' }).first().waitFor();
    const searchMs = Date.now() - searched;
    // A name in every table: the first page of hits, and a note that there are more.
    await panel.getByTestId('schema-search').fill('bulk_column_7');
    await panel.getByTestId('schema-search-truncated').waitFor();
    console.log(JSON.stringify({ tables: 5000, openMs, lines, scrollMs, searchMs }));
  });
});
