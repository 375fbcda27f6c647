import { join } from 'node:path';
import type { RunningProduct } from '@quarry/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, artifacts, type BrowserProduct, demoSqlCell, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;

describe.runIf(browserAvailable)('the walking skeleton in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({
      port: 3960,
      orders: 20_000,
    });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('signs in as the demo Admin, runs a query on the demo warehouse and sees its rows, then a typed SQL error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(product.url);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('The email or password is not right');

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Orders overview' }).click();

    const editor = demoSqlCell(page).getByLabel('SQL', { exact: true });
    await editor.fill('select id, status, total from orders order by id limit 2000');
    await demoSqlCell(page).getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => demoSqlCell(page).getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/2,000 rows in \d+/);
    const table = demoSqlCell(page).getByTestId('results');
    expect(await table.locator('th').allTextContents()).toEqual(['id', 'status', 'total']);
    // Every row is in the table; only those in view are drawn.
    expect(await table.getAttribute('aria-rowcount')).toBe('2001');
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(10);
    expect(await table.locator('tbody tr').first().locator('td').first().textContent()).toBe('1');
    await page.screenshot({ path: join(artifacts, 'skeleton-results.png'), fullPage: true });

    await editor.fill('select nosuchcolumn from orders');
    await demoSqlCell(page).getByRole('button', { name: 'Run', exact: true }).click();
    const error = demoSqlCell(page).getByTestId('run-error');
    await expect
      .poll(() => error.textContent(), { timeout: 20_000 })
      .toContain('column "nosuchcolumn" does not exist');
    await page.screenshot({ path: join(artifacts, 'skeleton-sql-error.png'), fullPage: true });
    await page.close();
  });
});
