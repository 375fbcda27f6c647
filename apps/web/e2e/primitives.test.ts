import { join } from 'node:path';
import type { TestDatabase } from '@quarry/db/testing';
import type { RunningProduct } from '@quarry/stack';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, type BrowserProduct, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

let running: BrowserProduct;
let database: TestDatabase;
let product: RunningProduct;
let browser: Browser;

describe.runIf(browserAvailable)('the accessible primitives, in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({
      port: 3969,
      orders: 100,
    });
    ({ database, product, browser } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('asks in an alert dialog before revoking a token, keeps it on Escape, and says it is revoked in a toast', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${product.url}/settings/tokens`);
    await signIn(page);
    await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('nightly export');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('button', { name: 'Done' }).click();

    const revoke = page.getByRole('button', { name: 'Revoke' });
    await revoke.click();
    const prompt = page.getByRole('alertdialog', { name: /Revoke “nightly export”\?/ });
    await prompt.waitFor();
    // Focus is inside the prompt, on the safe choice, and Escape backs out without revoking.
    expect(await prompt.evaluate((node) => node.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await prompt.waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Revoke' }).click();
    await prompt.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect
      .poll(() => page.getByTestId('toast').first().textContent())
      .toContain('“nightly export” revoked');
    await page.screenshot({ path: join(artifacts, 'primitives-toast.png') });
    const [token] = await database.sql<{ revoked: boolean }[]>`
      select revoked_at is not null as revoked from api_tokens where name = 'nightly export'`;
    expect(token?.revoked).toBe(true);
    await context.close();
  });
});
