import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TEST_READER_PASSWORD, type TestDatabase } from '@quarry/db/testing';
import { launchProduct, prepareProduct, type RunningProduct } from '@quarry/stack';
import { generateMasterKey } from '@quarry/vault';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './chromium';

const artifacts = join(import.meta.dirname, '..', 'test-results');
const ADMIN = { email: 'admin@quarry.local', password: 'e2e demo password' };

let database: TestDatabase;
let warehouse: TestDatabase;
let product: RunningProduct;
let browser: Browser;

describe.runIf(browserAvailable)('the accessible primitives, in real Chromium', () => {
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    warehouse = await createTestDatabase({ migrate: false });
    const masterKey = generateMasterKey();
    await prepareProduct({
      databaseUrl: database.url,
      warehouseUrl: warehouse.url,
      orders: 100,
      masterKey,
      adminEmail: ADMIN.email,
      adminPassword: ADMIN.password,
      readerPassword: TEST_READER_PASSWORD,
    });
    // Ports apart from the other browser tests' (the runner answers health checks on port + 1).
    product = await launchProduct({
      databaseUrl: database.url,
      masterKey,
      port: 3969,
      webDist: join(import.meta.dirname, '..', 'dist'),
      logLevel: 'warn',
      quiet: true,
    });
    browser = await launchChromium();
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await product?.stop();
    await warehouse?.drop();
    await database?.drop();
  });

  it('asks in an alert dialog before revoking a token, keeps it on Escape, and says it is revoked in a toast', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${product.url}/settings/tokens`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
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
