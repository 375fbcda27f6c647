import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TEST_READER_PASSWORD, type TestDatabase } from '@quarry/db/testing';
import { launchProduct, prepareProduct, type RunningProduct } from '@quarry/stack';
import { generateMasterKey } from '@quarry/vault';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';

/** The demo Admin every browser test's product is seeded with. */
export const ADMIN = { email: 'admin@quarry.local', password: 'e2e demo password' };

/** Where screenshots go; look at the ones a change touches. */
export const artifacts = join(import.meta.dirname, '..', 'test-results');

export type BrowserProduct = {
  database: TestDatabase;
  product: RunningProduct;
  browser: Browser;
  stop: () => Promise<void>;
};

/**
 * The whole product as `npm start` runs it (migrate, generate the demo warehouse, seed the demo
 * workspace, then api and runner as processes serving the built SPA) on fresh databases, and a real
 * Chromium. Each test file passes its own port: files run side by side, and each runner answers
 * health checks on port + 1. `beforeLaunch` changes the seeded database before the processes start.
 */
export async function startBrowserProduct(input: {
  port: number;
  orders: number;
  apiEnv?: Record<string, string>;
  beforeLaunch?: (database: TestDatabase) => Promise<void>;
}): Promise<BrowserProduct> {
  const database = await createTestDatabase({ migrate: false });
  const warehouse = await createTestDatabase({ migrate: false });
  const masterKey = generateMasterKey();
  await prepareProduct({
    databaseUrl: database.url,
    warehouseUrl: warehouse.url,
    orders: input.orders,
    masterKey,
    adminEmail: ADMIN.email,
    adminPassword: ADMIN.password,
    readerPassword: TEST_READER_PASSWORD,
  });
  await input.beforeLaunch?.(database);
  const product = await launchProduct({
    databaseUrl: database.url,
    masterKey,
    port: input.port,
    webDist: join(import.meta.dirname, '..', 'dist'),
    logLevel: 'warn',
    quiet: true,
    allowPrivateHosts: '127.0.0.1,::1,localhost',
    ...(input.apiEnv ? { apiEnv: input.apiEnv } : {}),
  });
  const browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
  return {
    database,
    product,
    browser,
    stop: async () => {
      await browser.close();
      await product.stop();
      await warehouse.drop();
      await database.drop();
    },
  };
}

/** Fills the sign-in form the page shows and submits it. */
export async function signIn(page: Page, user: { email: string; password: string } = ADMIN): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
