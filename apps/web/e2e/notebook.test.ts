import { join } from 'node:path';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, type BrowserProduct, callApi, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const VIEWPORT = { width: 1280, height: 900 };
/** The demo notebook (about, status, orders_by_status, summary) with the cells the first test adds. */
const ORDER_WITH_NOTES = [
  'wanted_status',
  'about',
  'status',
  'orders_by_status',
  'counts',
  'notes',
  'totals',
  'summary',
];
const FINAL_ORDER = ['wanted_status', 'about', 'status', 'orders_by_status', 'counts', 'totals', 'summary'];

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;

const cellNamed = (page: Page, name: string): Locator => page.locator(`article[data-cell-name="${name}"]`);

const cellOrder = (page: Page) =>
  page
    .locator('article[data-cell-name]')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-cell-name')));

/** Adds a cell of a kind after `after` (null: at the top), checks where it went, and names it. */
async function addCell(page: Page, after: string | null, kind: string, name: string): Promise<Locator> {
  const before = await cellOrder(page);
  const where = after === null ? 'at the top' : `after ${after}`;
  await page.getByRole('button', { name: `Add cell ${where}`, exact: true }).click();
  await page.getByRole('menuitem', { name: kind, exact: true }).click();
  // The server names the new cell (query_1, js_1, input_1, text_1) and puts it right after `after`.
  const added = async () => (await cellOrder(page)).find((cell) => cell !== null && !before.includes(cell));
  await expect.poll(added, { timeout: 10_000 }).toBeDefined();
  const order = await cellOrder(page);
  const newName = (await added()) ?? '';
  expect(order.indexOf(newName)).toBe(after === null ? 0 : order.indexOf(after) + 1);
  const cell = cellNamed(page, newName);
  expect(await cell.getAttribute('data-cell-kind')).toBe(kindOf(kind));
  const field = cell.getByTestId('cell-name');
  await field.fill(name);
  await field.press('Enter');
  const renamed = cellNamed(page, name);
  await renamed.waitFor({ timeout: 10_000 });
  return renamed;
}

const kindOf = (label: string): string =>
  ({ SQL: 'sql', JavaScript: 'js', Input: 'input', Text: 'markdown' })[label] ?? label;

/**
 * The whole page in one screenshot: the window is made as tall as the page first, so every editor
 * is in view and lays itself out (CodeMirror measures only what is visible) and sticky bars stay put.
 */
async function shot(page: Page, name: string, width = VIEWPORT.width): Promise<void> {
  await page.setViewportSize({ width, height: VIEWPORT.height });
  await page.evaluate(() => window.scrollTo(0, 0));
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  await page.setViewportSize(VIEWPORT);
}

async function openProject(): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(product.url);
  await signIn(page);
  await page.getByRole('link', { name: 'Orders overview' }).click();
  await cellNamed(page, 'orders_by_status').waitFor();
  return page;
}

const statusOf = (cell: Locator) => cell.getByTestId('run-status').textContent();

describe.runIf(browserAvailable)('the notebook in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({ port: 3977, orders: 2_000 });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('adds, names, moves and deletes cells of every kind, rewrites references on a rename, and renders Markdown without raw HTML', async () => {
    const page = await openProject();

    // An input at the top: text, "shipped" by default.
    const input = await addCell(page, null, 'Input', 'wanted');
    await input.getByLabel('Type').selectOption('text');
    await input.getByLabel('Default', { exact: true }).fill('shipped');
    await input.getByRole('button', { name: 'Save input' }).click();
    await expect.poll(() => input.getByRole('button', { name: 'Save input' }).isDisabled()).toBe(true);
    // Its value is set in the inputs bar above the cells, starting at the default.
    const value = page.getByTestId('inputs-bar').getByLabel('wanted', { exact: true });
    await expect.poll(() => value.inputValue()).toBe('shipped');

    // A SQL cell that reads it (bound as a parameter when it runs); the reference is marked.
    const counts = await addCell(page, 'orders_by_status', 'SQL', 'counts');
    const sql = counts.getByLabel('SQL');
    // Table and column names complete from the connection's schema, next to the dialect's keywords.
    await sql.click();
    await sql.pressSequentially('select * from orde', { delay: 20 });
    const completions = page.locator('.cm-tooltip-autocomplete');
    await expect
      .poll(() => completions.locator('li').allTextContents(), { timeout: 10_000 })
      .toContain('orderspublic');
    await shot(page, 'notebook-completion');
    await sql.press('Escape');
    // After `{{`, the inputs above, as SQL reads them.
    await sql.pressSequentially(' where status = {{', { delay: 20 });
    await expect
      .poll(async () => (await completions.locator('li').allTextContents()).sort(), { timeout: 10_000 })
      .toEqual(['{{status}}select input', '{{wanted}}text input']);
    await sql.press('Escape');
    await sql.fill(
      'select count(*)::int as n, {{wanted}}::text as status\nfrom orders where status = {{wanted}}',
    );
    await sql.blur();
    expect(await counts.locator('.cm-input-ref').allTextContents()).toEqual(['{{wanted}}', '{{wanted}}']);

    // A JS cell on its result, returning a value.
    const totals = await addCell(page, 'counts', 'JavaScript', 'totals');
    const js = totals.getByLabel('JavaScript');
    // The cells and inputs above are in scope by name, and offered as such.
    await js.click();
    await js.pressSequentially('return cou', { delay: 20 });
    await expect
      .poll(() => completions.locator('li').first().textContent(), { timeout: 10_000 })
      .toBe('countsrows of a SQL cell');
    await js.press('Escape');
    // The save on leaving the editor is held on its way for a while, so the rename below is asked
    // for while it is still unanswered: the rename must wait for it, or the server rewrites the
    // text before the save lands and the save then puts the old name back.
    const heldSaves = /\/trpc\/[^?]*projects\.updateCell/;
    await page.route(heldSaves, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await js.fill('return { status: wanted, orders: counts[0].n, doubled: counts[0].n * 2 };');
    await js.blur();
    // Reading the SQL cell's result, the JS cell offers to run downstream from there.
    await counts.getByRole('button', { name: 'Run downstream' }).waitFor();

    // Renaming the input rewrites the cells that read it, on the server and in their editors.
    const name = input.getByTestId('cell-name');
    await name.fill('2nd');
    await name.press('Enter');
    await expect
      .poll(() => input.getByRole('alert').textContent())
      .toBe('A cell name starts with a letter or _ and holds only letters, digits and _');
    await name.fill('wanted_status');
    await name.press('Enter');
    await cellNamed(page, 'wanted_status').waitFor();
    await expect
      .poll(() => counts.locator('.cm-content').textContent())
      .toBe(
        'select count(*)::int as n, {{wanted_status}}::text as statusfrom orders where status = {{wanted_status}}',
      );
    await expect
      .poll(() => totals.locator('.cm-content').textContent())
      .toBe('return { status: wanted_status, orders: counts[0].n, doubled: counts[0].n * 2 };');
    await page.unroute(heldSaves);
    // And so the server keeps it: the project as the API answers it now.
    const stored = await page.evaluate(async () => {
      const projectId = new URL(window.location.href).pathname.split('/').at(-1) ?? '';
      const input = encodeURIComponent(JSON.stringify({ 0: { json: { projectId } } }));
      const res = await fetch(`/trpc/projects.get?batch=1&input=${input}`);
      const body = (await res.json()) as [
        { result: { data: { json: { cells: { name: string; source: string }[] } } } },
      ];
      return body[0].result.data.json.cells.find((cell) => cell.name === 'totals')?.source;
    });
    expect(stored).toBe('return { status: wanted_status, orders: counts[0].n, doubled: counts[0].n * 2 };');
    expect(
      await page.getByTestId('inputs-bar').getByLabel('wanted_status', { exact: true }).inputValue(),
    ).toBe('shipped');

    // Text between the cells, rendered from Markdown; raw HTML and script links are not rendered.
    const notes = await addCell(page, 'totals', 'Text', 'notes');
    await notes.getByRole('button', { name: 'Edit text' }).click();
    await notes
      .getByLabel('Markdown of')
      .fill('# Orders by status\n\nCounted **live** <b id="raw">raw</b> [see](javascript:alert(1))');
    await notes.getByRole('button', { name: 'Done' }).click();
    const body = notes.getByTestId('markdown-body');
    expect(await body.locator('h1').textContent()).toBe('Orders by status');
    expect(await body.locator('strong').textContent()).toBe('live');
    expect(await body.locator('#raw').count()).toBe(0);
    expect(await body.locator('a').getAttribute('href')).toBe('');
    await shot(page, 'notebook-built');
    // On a narrow window the data browser goes above the notebook and nothing runs off the side.
    await page.setViewportSize({ width: 760, height: VIEWPORT.height });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(760);
    await shot(page, 'notebook-narrow', 760);

    // Moving and deleting cells: the notebook keeps its order, also after a reload.
    await notes.getByRole('button', { name: 'Move notes up' }).click();
    await expect.poll(() => cellOrder(page)).toEqual(ORDER_WITH_NOTES);
    // A cell cannot go above a cell it reads: the server refuses, and the cell says why.
    await totals.getByRole('button', { name: 'Move totals up' }).click();
    await expect
      .poll(() => cellOrder(page))
      .toEqual([
        'wanted_status',
        'about',
        'status',
        'orders_by_status',
        'counts',
        'totals',
        'notes',
        'summary',
      ]);
    await totals.getByRole('button', { name: 'Move totals up' }).click();
    const refused = totals.locator('[data-code="notebook.forward_reference"]');
    await refused.waitFor({ timeout: 10_000 });
    expect(await refused.textContent()).toContain('counts');
    await shot(page, 'notebook-move-refused');
    await notes.getByRole('button', { name: 'Delete notes' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => cellNamed(page, 'notes').count()).toBe(0);
    await page.reload();
    await cellNamed(page, 'totals').waitFor();
    expect(await cellOrder(page)).toEqual(FINAL_ORDER);
    await page.close();
  });

  it('runs all with the input value, re-runs the SQL and JS cells that read it when it changes, and marks a cell stale when what it reads changes', async () => {
    const page = await openProject();
    const counts = cellNamed(page, 'counts');
    const totals = cellNamed(page, 'totals');
    await totals.waitFor();

    // Run all: every SQL and JS cell in order, each with the input's value.
    await page.getByRole('button', { name: 'Run all', exact: true }).click();
    await expect.poll(() => page.getByTestId('notebook-progress').count(), { timeout: 60_000 }).toBe(0);
    await shot(page, 'notebook-run-all');
    expect(await statusOf(counts)).toMatch(/^1 row in [\d,]+ ms$/);
    const row = counts.getByTestId('results').locator('tbody tr').first().locator('td');
    const shipped = Number((await row.nth(0).textContent())?.replace(/,/g, ''));
    expect(shipped).toBeGreaterThan(0);
    expect(await row.nth(1).textContent()).toBe('shipped');
    expect(await statusOf(totals)).toMatch(/in [\d,]+ ms$/);
    expect(JSON.parse((await totals.getByTestId('run-value').textContent()) ?? 'null')).toEqual({
      status: 'shipped',
      orders: shipped,
      doubled: shipped * 2,
    });

    // The demo's select input offers its list.
    const status = page.getByTestId('inputs-bar').getByLabel('status', { exact: true });
    expect(await status.locator('option').allTextContents()).toEqual([
      'Choose…',
      'delivered',
      'shipped',
      'processing',
      'cancelled',
      'returned',
    ]);
    expect(await status.inputValue()).toBe('delivered');

    // A new value re-runs both cells that read it, with the new value.
    const value = page.getByTestId('inputs-bar').getByLabel('wanted_status', { exact: true });
    await value.fill('returned');
    await value.press('Enter');
    const totalsValue = async () =>
      JSON.parse((await totals.getByTestId('run-value').textContent()) ?? 'null');
    await expect.poll(async () => (await totalsValue())?.status, { timeout: 60_000 }).toBe('returned');
    expect(await row.nth(1).textContent()).toBe('returned');
    const returned = Number((await row.nth(0).textContent())?.replace(/,/g, ''));
    expect(returned).toBeGreaterThan(0);
    expect(await totalsValue()).toEqual({ status: 'returned', orders: returned, doubled: returned * 2 });
    await expect.poll(() => page.getByTestId('cell-stale').count()).toBe(0);

    // Changing the SQL above marks the JS cell below stale until it runs again.
    await counts
      .getByLabel('SQL')
      .fill('select count(*)::int as n, {{wanted_status}}::text as status from orders');
    await expect.poll(() => totals.getByTestId('cell-stale').count()).toBe(1);
    expect(await counts.getByTestId('cell-stale').count()).toBe(0);
    expect(await cellNamed(page, 'summary').getByTestId('cell-stale').count()).toBe(0);
    await shot(page, 'notebook-stale');
    await page.close();
  }, 180_000);

  it('cancels a long query from its cell and says so, and runs the new SQL when Run is pressed again while running', async () => {
    const page = await openProject();
    const cell = cellNamed(page, 'orders_by_status');
    const sql = cell.getByLabel('SQL');
    await sql.fill('select pg_sleep(30)');
    await cell.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => statusOf(cell), { timeout: 20_000 }).toMatch(/running/i);
    await sql.fill("select 'again' as two, 2::int8 as n");
    await cell.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => statusOf(cell), { timeout: 20_000 }).toMatch(/^1 row in [\d,]+ ms$/);
    expect(await cell.getByTestId('results').locator('tbody td').allTextContents()).toEqual(['again', '2']);

    await sql.fill('select pg_sleep(30)');
    await cell.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => statusOf(cell), { timeout: 20_000 }).toMatch(/running/i);
    // While it runs, the cell says for how long.
    await expect
      .poll(() => cell.getByTestId('run-elapsed').textContent(), { timeout: 5_000 })
      .toMatch(/^\d+ s$/);
    await shot(page, 'notebook-running');
    await cell.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect
      .poll(() => cell.getByTestId('run-cancelled').textContent(), { timeout: 20_000 })
      .toMatch(/cancelled/i);
    expect(await statusOf(cell)).toBe('Cancelled');
    expect(await cell.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
    await shot(page, 'notebook-cancelled');
    // With the connection's cache on, running the same query again is served from the cache, and
    // the cell says so and how old the result is.
    const connections = (await callApi(page, 'connections.list')) as Array<{ id: string; name: string }>;
    const demo = connections.find((connection) => connection.name === 'Demo warehouse');
    await callApi(page, 'connections.setCachePolicy', { connectionId: demo?.id, ttlSeconds: 600 });
    await sql.fill("select 'cached' as note, 42::int8 as answer");
    await cell.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => statusOf(cell), { timeout: 20_000 }).toMatch(/^1 row in [\d,]+ ms$/);
    expect(await cell.getByTestId('cache-badge').count()).toBe(0);
    await cell.getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => cell.getByTestId('cache-badge').textContent(), { timeout: 20_000 })
      .toBe('From cache, less than a minute old');
    expect(await cell.getByTestId('results').locator('tbody td').allTextContents()).toEqual(['cached', '42']);
    await shot(page, 'notebook-cache-badge');
    await callApi(page, 'connections.setCachePolicy', { connectionId: demo?.id, ttlSeconds: null });
    await page.close();
  }, 180_000);
});
