import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sweepStoredSecretsOnDrop } from '@quarry/api/testing';
import {
  createTestDatabase,
  createTlsTestDatabase,
  TEST_READER_PASSWORD,
  type TestDatabase,
  testTlsSettings,
} from '@quarry/db/testing';
import { leakScan, observe, registerInputSecrets, registerSecret, watchVault } from '@quarry/leak-scan';
import { launchProduct, prepareProduct, type RunningProduct } from '@quarry/stack';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
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
  // On the TLS test server: the demo connection checks its certificate (verify-ca), as npm start's does.
  const warehouse = await createTlsTestDatabase();
  const masterKey = generateMasterKey();
  watchForLeaks(masterKey);
  await prepareProduct({
    databaseUrl: database.url,
    warehouseUrl: warehouse.url,
    orders: input.orders,
    masterKey,
    adminEmail: ADMIN.email,
    adminPassword: ADMIN.password,
    readerPassword: TEST_READER_PASSWORD,
    warehouseTls: testTlsSettings(),
  });
  await input.beforeLaunch?.(database);
  const product = await launchProduct({
    databaseUrl: database.url,
    masterKey,
    port: input.port,
    webDist: join(import.meta.dirname, '..', 'dist'),
    // Info and below are not printed (quiet) but reach the leak scan, line by line.
    logLevel: 'info',
    quiet: true,
    onOutput: (name, line) => observe(line, `log:${name}`),
    allowPrivateHosts: '127.0.0.1,::1,localhost',
    ...(input.apiEnv ? { apiEnv: input.apiEnv } : {}),
  });
  const browser = observePages(await launchChromium());
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

/**
 * The leak scan's part (issue 9 item 4): the demo Admin's password is a credential; a vault under
 * the product's master key lets the sweep at the database's drop open every credential and secret
 * the api process sealed (the demo connection's included), and check them against every log line
 * of the processes and every /trpc and /auth/sso response the pages received.
 */
function watchForLeaks(masterKey: string): void {
  registerSecret(ADMIN.password, 'user.password');
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!vault.ok) throw new Error(vault.error.message);
  watchVault(vault.value);
  sweepStoredSecretsOnDrop();
}

/** Every context (and so every page: newPage makes its own context) hands its API responses to the scan. */
function observePages(browser: Browser): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    // What a page sends as a credential counts from then on (the api process seals it out of reach).
    context.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/trpc/')) registerInputSecrets(path, request.postData());
    });
    context.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      // The API's routes; an identity provider's pages are not Quarry's answers.
      if (!/^\/(trpc|auth\/sso)(\/|$)/.test(path)) return;
      // A redirect or a closed page has no body to read; what it had is not lost, it was never sent.
      leakScan().track(
        response.text().then(
          (text) => observe(text, `page:${path}`),
          () => undefined,
        ),
      );
      observe(JSON.stringify(response.headers()), `page:${path} (headers)`);
    });
    return context;
  };
  return browser;
}

/** Fills the sign-in form the page shows and submits it. */
export async function signIn(page: Page, user: { email: string; password: string } = ADMIN): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * The demo project's SQL cell: the demo is a notebook (Markdown, an input, this SQL cell and a JS
 * cell), so a test that works with its query looks inside this cell for the editor, Run and results.
 */
export const demoSqlCell = (page: Page) => page.locator('article[data-cell-name="orders_by_status"]');

/** A tRPC call from inside the signed-in page: same origin, the page's own session cookie. */
export async function callApi(page: Page, path: string, input?: unknown): Promise<unknown> {
  const answer = await page.evaluate(
    async ({ path, input }) => {
      const response =
        input === undefined
          ? await fetch(`/trpc/${path}`)
          : await fetch(`/trpc/${path}`, {
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
