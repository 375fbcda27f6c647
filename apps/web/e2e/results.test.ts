import { join } from 'node:path';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, type BrowserProduct, demoSqlCell, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const ORDERS = 100_000;

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;

async function openDemoProject(page: Page) {
  await page.goto(product.url);
  await signIn(page);
  await page.getByRole('link', { name: 'Orders overview' }).click();
}

describe.runIf(browserAvailable)('results and SQL in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({
      port: 3971,
      orders: ORDERS,
    });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('highlights SQL, runs it with Ctrl+Enter, marks the SQL error and shows values as people read them', async () => {
    // The viewer is in Paris: instants are shown in that zone, dates never move.
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Europe/Paris',
    });
    await openDemoProject(page);
    const editor = demoSqlCell(page).getByLabel('SQL', { exact: true });

    await editor.fill('select id, nosuchcolumn\nfrom orders\nwhere id < 10');
    await editor.press('Control+Enter');
    await expect
      .poll(() => demoSqlCell(page).getByTestId('run-error').textContent(), { timeout: 20_000 })
      .toContain('column "nosuchcolumn" does not exist');
    // The database's position is marked in the editor, on the word it points at.
    await expect.poll(() => page.locator('.cm-sql-error').textContent()).toBe('nosuchcolumn');
    expect(await page.locator('.cm-sql-error-line').count()).toBe(1);
    // Keywords, numbers and names are told apart by the PostgreSQL dialect's highlighting.
    expect(await page.locator('.cm-content .cm-line span').count()).toBeGreaterThan(3);
    await page.screenshot({ path: join(artifacts, 'sql-editor.png'), fullPage: true });

    await editor.fill(
      [
        'select 1234567::bigint as n, 1500.5::numeric(8,2) as amount, null::text as nothing,',
        "  ''::text as blank, timestamptz '2026-01-15 09:30:00.123456+00' as at, date '2026-01-15' as day,",
        "  timestamp '2026-01-15 23:30:00.5' as wall, 9007199254740993::int8 as big",
      ].join('\n'),
    );
    await editor.press('Control+Enter');
    await expect
      .poll(() => demoSqlCell(page).getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/^1 row in/);
    // Typing again takes the error mark away with the error.
    expect(await page.locator('.cm-sql-error').count()).toBe(0);
    const cells = demoSqlCell(page).getByTestId('results').locator('tbody tr').first().locator('td');
    expect(await cells.allTextContents()).toEqual([
      '1,234,567',
      '1,500.50',
      'NULL',
      'empty',
      '2026-01-15 10:30:00.123456 GMT+1',
      '2026-01-15',
      '2026-01-15 23:30:00.5',
      '9,007,199,254,740,993',
    ]);
    expect(await cells.nth(0).evaluate((cell) => getComputedStyle(cell).justifyContent)).toBe('flex-end');
    expect(await cells.nth(2).locator('.result-null').count()).toBe(1);
    expect(await cells.nth(3).locator('.result-empty').count()).toBe(1);

    // One click shows the value exactly as the database sent it.
    await cells.nth(4).getByRole('button').click();
    const raw = page.getByTestId('raw-value');
    expect(await raw.locator('pre').textContent()).toBe('2026-01-15 09:30:00.123456+00');
    expect(await raw.textContent()).toContain('timestamptz');
    await cells.nth(0).getByRole('button').click();
    expect(await raw.locator('pre').textContent()).toBe('1234567');
    await page.screenshot({ path: join(artifacts, 'results-values.png'), fullPage: true });
    await page.close();
  });

  it('shows all 100,000 rows of a result, drawing only those in view, down to the last one; sorts them and resizes a column', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openDemoProject(page);

    await demoSqlCell(page)
      .getByLabel('SQL', { exact: true })
      .fill('select * from orders order by id limit 100000');
    await demoSqlCell(page).getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => demoSqlCell(page).getByTestId('run-status').textContent(), { timeout: 60_000 })
      .toMatch(/^100,000 rows in [\d,]+ ms$/);

    const table = demoSqlCell(page).getByTestId('results');
    expect(await table.getAttribute('aria-rowcount')).toBe(String(ORDERS + 1));
    expect(await table.locator('th').allTextContents()).toEqual([
      'id',
      'customer_id',
      'status',
      'channel',
      'ordered_at',
      'shipped_at',
      'total',
    ]);
    // Virtualised: a window of rows is in the DOM, not 100,000.
    expect(await table.locator('tbody tr').count()).toBeLessThan(80);

    const scroller = page.getByTestId('results-scroll');
    await scroller.evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    const last = table.locator(`tbody tr[aria-rowindex="${ORDERS + 1}"]`);
    await expect.poll(() => last.count()).toBe(1);
    expect(await last.locator('td').first().textContent()).toBe('100,000');
    // The header stays in place over the scrolled rows.
    const header = await table.locator('thead').boundingBox();
    const box = await scroller.boundingBox();
    expect(Math.round(header?.y ?? -1)).toBe(Math.round((box?.y ?? 0) + 1));
    expect(await table.locator('tbody tr').count()).toBeLessThan(80);
    await page.screenshot({ path: join(artifacts, 'results-100k-end.png'), fullPage: true });

    // A header sorts all 100,000 rows, both ways; its edge resizes the column.
    const idHeader = table.locator('th').first();
    await idHeader.getByRole('button').click();
    const direction = await idHeader.getAttribute('aria-sort');
    expect(['ascending', 'descending']).toContain(direction);
    await scroller.evaluate((element) => {
      element.scrollTop = 0;
    });
    const firstId = () => table.locator('tbody tr').first().locator('td').first().textContent();
    await expect.poll(firstId).toBe(direction === 'descending' ? '100,000' : '1');
    await idHeader.getByRole('button').click();
    await expect.poll(firstId).toBe(direction === 'descending' ? '1' : '100,000');

    const before = (await idHeader.boundingBox())?.width ?? 0;
    const handle = await idHeader.locator('.data-grid-resize').boundingBox();
    if (!handle) throw new Error('the id column has no resize handle');
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 120, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = (await idHeader.boundingBox())?.width ?? 0;
    expect(after - before).toBeGreaterThan(100);
    const firstCell = await table.locator('tbody tr').first().locator('td').first().boundingBox();
    expect(Math.round(firstCell?.width ?? 0)).toBe(Math.round(after));
    // From the keyboard too: the handle is a focusable separator that arrows resize.
    const separator = idHeader.getByRole('separator', { name: 'Resize column 1' });
    await separator.focus();
    await separator.press('ArrowLeft');
    await separator.press('ArrowLeft');
    expect(Math.round((await idHeader.boundingBox())?.width ?? 0)).toBe(Math.round(after - 40));
    await page.close();
  });

  it('cancels a long query from its Cancel button', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openDemoProject(page);
    await demoSqlCell(page).getByLabel('SQL', { exact: true }).fill('select pg_sleep(60) as slept');
    await demoSqlCell(page).getByRole('button', { name: 'Run', exact: true }).click();
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await cancel.waitFor({ timeout: 20_000 });
    // The run is on the server once the status says so; then Cancel stops it there.
    await expect
      .poll(() => demoSqlCell(page).getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/running/i);
    await cancel.click();
    await expect
      .poll(() => page.getByTestId('run-cancelled').textContent(), { timeout: 20_000 })
      .toMatch(/cancelled/i);
    expect(await demoSqlCell(page).getByTestId('run-status').textContent()).toBe('Cancelled');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'results-cancelled.png') });
    // That the query left the server is apps/api's run-cancel.test.ts, which reads pg_stat_activity.
    await page.close();
  });
});
