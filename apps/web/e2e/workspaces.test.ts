import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@quarry/db';
import { createTestDatabase, TEST_READER_PASSWORD, type TestDatabase } from '@quarry/db/testing';
import { launchProduct, prepareProduct, type RunningProduct } from '@quarry/stack';
import { generateMasterKey } from '@quarry/vault';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './chromium';

const artifacts = join(import.meta.dirname, '..', 'test-results');
const ADMIN = { email: 'admin@quarry.local', password: 'e2e demo password' };

let database: TestDatabase;
let warehouse: TestDatabase;
let product: RunningProduct;
let browser: Browser;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `workspaces-${name}.png`), fullPage: true });

describe.runIf(browserAvailable)('a person in two workspaces, in real Chromium (AUTH-9)', () => {
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    warehouse = await createTestDatabase({ migrate: false });
    const masterKey = generateMasterKey();
    await prepareProduct({
      databaseUrl: database.url,
      warehouseUrl: warehouse.url,
      orders: 1_000,
      masterKey,
      adminEmail: ADMIN.email,
      adminPassword: ADMIN.password,
      readerPassword: TEST_READER_PASSWORD,
    });
    // The demo Admin is also an Editor of a second workspace.
    const second = newId('workspace');
    await database.sql`insert into workspaces (id, name) values (${second}, 'Research lab')`;
    await database.sql`
      insert into workspace_members (workspace_id, user_id, role)
      select ${second}, id, 'editor' from users where email = ${ADMIN.email}`;
    // Ports apart from the other browser tests' (each runner answers health checks on port + 1).
    product = await launchProduct({
      databaseUrl: database.url,
      masterKey,
      port: 3965,
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

  it('chooses the workspace at sign-in, then moves between the two from the header', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(product.url);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The password was right: the page asks which workspace, and nothing was picked for them.
    const choice = page.getByRole('combobox', { name: 'Workspace' });
    await choice.waitFor();
    expect(await choice.locator('option').allTextContents()).toEqual(['Demo workspace', 'Research lab']);
    await shot(page, 'choose');
    await choice.selectOption({ label: 'Research lab' });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const switcher = page.getByRole('combobox', { name: 'Workspace' });
    await expect.poll(() => switcher.inputValue()).not.toBe('');
    expect(await switcher.locator('option:checked').textContent()).toBe('Research lab');
    expect(await page.getByRole('link', { name: 'Orders overview' }).count()).toBe(0);

    // The switcher opens a session in the other workspace, where the demo project is.
    await switcher.selectOption({ label: 'Demo workspace' });
    await page.getByRole('link', { name: 'Orders overview' }).waitFor();
    expect(await switcher.locator('option:checked').textContent()).toBe('Demo workspace');
    await shot(page, 'switched');
    const sessions = await database.sql<{ name: string }[]>`
      select w.name from sessions s join workspaces w on w.id = s.workspace_id
      join users u on u.id = s.user_id where u.email = ${ADMIN.email}`;
    expect(sessions.map((s) => s.name)).toEqual(['Demo workspace']);
    await context.close();
  });
});
