import { join } from 'node:path';
import { startTestOp, type TestOp } from '@quarry/api/testing';
import type { TestDatabase } from '@quarry/db/testing';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, type BrowserProduct, signIn, startBrowserProduct } from './browser-product';
import { browserAvailable } from './chromium';

const CLIENT = { id: 'quarry-e2e', secret: 'e2e client secret that is never shown again' };

let running: BrowserProduct;
let database: TestDatabase;
let product: RunningProduct;
let op: TestOp;
let browser: Browser;

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, name), fullPage: true });

describe.runIf(browserAvailable)('the SSO settings page, in real Chromium', () => {
  beforeAll(async () => {
    // A real OpenID provider on loopback: the API reaches it only because this test allows it.
    op = await startTestOp();
    running = await startBrowserProduct({
      port: 3967,
      orders: 100,
      apiEnv: { QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1' },
    });
    ({ database, product, browser } = running);
  });

  afterAll(async () => {
    await op?.close();
    await running?.stop();
  });

  it('lets the Admin add a provider, see the redirect URI to register, and allow a domain', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // A shared link to the page: sign-in first, then straight back to it.
    await page.goto(`${product.url}/settings/sso`);
    await page.waitForURL(/\/sign-in\?redirect=%2Fsettings%2Fsso$/);
    await signIn(page);
    await page.getByRole('heading', { name: 'Single sign-on', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings/sso');
    const nav = page.getByRole('navigation', { name: 'Settings' });
    expect(await nav.getByRole('link', { name: 'Single sign-on' }).getAttribute('aria-current')).toBe('page');
    await page.getByText('No identity provider yet').waitFor();

    // Requiring SSO before any provider exists: the API refuses, and the page says so by the switch.
    await page.getByLabel('Require single sign-on').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    const required = page.getByLabel('Require single sign-on');
    await expect
      .poll(async () => page.locator(`#${await required.getAttribute('aria-describedby')}`).textContent())
      .toContain('cannot be required before an identity provider is set up');
    await required.uncheck();

    // An issuer that answers nothing: the error sits next to the issuer field, and nothing is stored.
    const form = page.getByRole('form', { name: 'Add an identity provider' });
    await form.getByLabel('Kind').selectOption({ label: 'OpenID Connect' });
    await form.getByLabel('Name').fill('Company login');
    await form.getByLabel('Issuer URL').fill('http://127.0.0.1:9/');
    await form.getByLabel('Client ID').fill(CLIENT.id);
    await form.getByLabel('Client secret').fill(CLIENT.secret);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const issuer = form.getByLabel('Issuer URL');
    await expect.poll(() => issuer.getAttribute('aria-invalid'), { timeout: 20_000 }).toBe('true');
    expect(await page.getByTestId('sso-providers').count()).toBe(0);

    // The real provider: discovery succeeds, the provider is listed with the redirect URI to register.
    await issuer.fill(op.issuer);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const providers = page.getByTestId('sso-providers');
    await providers.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('toast').first().textContent()).toContain('Company login added');
    const row = providers.getByRole('row', { name: /Company login/ });
    expect(await row.getByRole('cell').allTextContents()).toEqual(
      expect.arrayContaining(['OpenID Connect', op.issuer]),
    );
    const redirectUri = (await row.getByTestId('sso-redirect-uri').textContent()) ?? '';
    expect(redirectUri).toMatch(new RegExp(`^${product.url}/auth/sso/sso_[^/]+/callback$`));
    // The secret is write-only: the form emptied it, and no page shows it.
    expect(await form.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(CLIENT.secret);
    // The redirect URI is the one the provider accepts for this client.
    await op.registerClient({ clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUri });

    // Allowed domains and the role for new members, saved and read back after a reload.
    await page.getByLabel('Allowed email domains').fill('Example.com\nlab.example.org');
    await page.getByLabel('Role for new members').selectOption('editor');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.getByLabel('Allowed email domains').inputValue())
      .toBe('example.com\nlab.example.org');
    await page.reload();
    await expect
      .poll(() => page.getByLabel('Allowed email domains').inputValue(), { timeout: 15_000 })
      .toBe('example.com\nlab.example.org');
    expect(await page.getByLabel('Role for new members').inputValue()).toBe('editor');
    const [settings] = await database.sql<{ allowed_email_domains: string[]; sso_default_role: string }[]>`
      select allowed_email_domains, sso_default_role from workspaces where name = 'Demo workspace'`;
    expect(settings).toEqual({
      allowed_email_domains: ['example.com', 'lab.example.org'],
      sso_default_role: 'editor',
    });
    await shot(page, 'sso-settings.png');

    // Remove asks first; cancelling keeps the provider.
    await row.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Remove Company login?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await providers.getByRole('row', { name: /Company login/ }).count()).toBe(1);
    await context.close();
  });
});
