import { join } from 'node:path';
import { newId } from '@quarry/db';
import type { TestDatabase } from '@quarry/db/testing';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, artifacts, type BrowserProduct, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const EVE = { email: 'eve@quarry.local', name: 'Eve Editor', password: 'eve reads everything' };

let running: BrowserProduct;
let database: TestDatabase;
let product: RunningProduct;
let browser: Browser;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `workspaces-${name}.png`), fullPage: true });

/** The Admin invites someone as an Editor of the workspace the page is in; returns the link. */
async function invite(page: Page, email: string): Promise<string> {
  const link = await page.evaluate(async (email) => {
    const response = await fetch('/trpc/invites.create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email, role: 'editor' } }),
    });
    const body = await response.json();
    return body.result.data.json.link as string;
  }, email);
  return `${product.url}${link}`;
}

describe.runIf(browserAvailable)('a person in two workspaces, in real Chromium (AUTH-9)', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({
      port: 3965,
      orders: 1_000,
      beforeLaunch: async (database) => {
        // The demo Admin is also an Admin of a second workspace.
        const second = newId('workspace');
        await database.sql`insert into workspaces (id, name) values (${second}, 'Research lab')`;
        await database.sql`
          insert into workspace_members (workspace_id, user_id, role)
          select ${second}, id, 'admin' from users where email = ${ADMIN.email}`;
      },
    });
    ({ database, product, browser } = running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('chooses the workspace at sign-in, then moves between the two from the header', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(product.url);
    await signIn(page);

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

    // An invite to the other workspace, for someone who already has an account: they join with it.
    const link = await invite(page, EVE.email);
    const eve = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await eve.goto(link);
    await eve.getByLabel('Your name').fill(EVE.name);
    await eve.getByLabel('Password').fill(EVE.password);
    await eve.getByRole('button', { name: 'Join workspace' }).click();
    await eve.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    await switcher.selectOption({ label: 'Research lab' });
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await expect.poll(() => switcher.locator('option:checked').textContent()).toBe('Research lab');
    const second = await invite(page, EVE.email);
    await eve.goto(second);
    await eve.getByRole('heading', { name: 'Join Research lab' }).waitFor();
    await expect
      .poll(() => eve.locator('.sign-in-card').textContent())
      .toContain('already has a Quarry account');
    expect(await eve.getByLabel('Your name').count()).toBe(0);
    await eve.getByLabel('Password').fill('not the password');
    await eve.getByRole('button', { name: 'Join workspace' }).click();
    await expect.poll(() => eve.getByRole('alert').textContent()).toContain('not right');
    await eve.getByLabel('Password').fill(EVE.password);
    await shot(eve, 'join-with-account');
    await eve.getByRole('button', { name: 'Join workspace' }).click();
    await eve.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await expect
      .poll(() => eve.getByRole('combobox', { name: 'Workspace' }).locator('option:checked').textContent())
      .toBe('Research lab');
    await context.close();
  });
});
