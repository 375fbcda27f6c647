import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  artifacts,
  type BrowserProduct,
  callApi,
  demoSqlCell,
  signIn,
  startBrowserProduct,
} from './browser-product';
import { browserAvailable } from './chromium';

const EDITOR = { email: 'eddie@quarry.local', name: 'Eddie Editor', password: 'eddie edits sql' };
const VIEWPORT = { width: 1280, height: 900 };

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;
const contexts: BrowserContext[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `access-${name}.png`), fullPage: true });

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  return context.newPage();
}

describe.runIf(browserAvailable)('access control in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({
      port: 3962,
      orders: 2_000,
    });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await running?.stop();
  });

  it('invites an Editor who joins, shares a project with them, and explains the downgrade when Can query is taken away', async () => {
    // The Admin invites an Editor from Settings → Members and reads the link, shown once.
    // A failed single sign-on comes back as ?sso_error=<code>; the password form still works.
    const admin = await newPage();
    await admin.goto(`${product.url}/?sso_error=sso.email_unverified`);
    await expect
      .poll(() => admin.getByTestId('sso-error').textContent())
      .toContain('Your identity provider did not confirm your email address');
    await shot(admin, 'sign-in');
    await signIn(admin);
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await admin.getByLabel('Email', { exact: true }).fill(EDITOR.email);
    await admin.getByLabel('Role', { exact: true }).selectOption('editor');
    await admin.getByRole('button', { name: 'Send invite' }).click();
    const linkField = admin.getByLabel('Invite link');
    await linkField.waitFor();
    const link = await linkField.inputValue();
    expect(link).toMatch(new RegExp(`^${product.url}/invite#inv_[a-z2-7]+\\.[a-z2-7]+$`));
    await expect.poll(() => admin.getByTestId('invite').first().textContent()).toContain(EDITOR.email);
    await shot(admin, 'members');

    // In a browser of their own, the Editor opens the link, sets a name and password, and joins.
    const editor = await newPage();
    await editor.goto(link);
    await editor.getByRole('heading', { name: 'Join Demo workspace' }).waitFor();
    expect(await editor.getByTestId('invite-email').textContent()).toBe(EDITOR.email);
    expect(await editor.getByTestId('invite-role').textContent()).toBe('Editor');
    await editor.getByLabel('Your name').fill(EDITOR.name);
    await editor.getByLabel('Password').fill('short');
    await editor.getByRole('button', { name: 'Join workspace' }).click();
    await expect.poll(() => editor.getByRole('alert').textContent()).toContain('at least 8 characters');
    await editor.getByLabel('Password').fill(EDITOR.password);
    await shot(editor, 'invite');
    await editor.getByRole('button', { name: 'Join workspace' }).click();
    await editor.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    expect(await editor.locator('.user-email').textContent()).toBe(EDITOR.email);
    expect(await editor.getByRole('link', { name: 'Orders overview' }).count()).toBe(0);

    // The Admin shares the demo project with the Editor at Can edit.
    await admin.getByRole('link', { name: 'Projects', exact: true }).click();
    await admin.getByRole('link', { name: 'Orders overview' }).click();
    await admin.getByRole('button', { name: 'Share' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Share project' });
    await dialog.getByLabel('Person or group').selectOption({ label: `${EDITOR.name} (${EDITOR.email})` });
    await dialog.getByLabel('Permission').selectOption('can_edit');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    const editorEntry = dialog.getByTestId('share-entry').filter({ hasText: EDITOR.email });
    await expect.poll(() => editorEntry.getByTestId('share-effective').textContent()).toBe('Can edit');
    await shot(admin, 'share-dialog');
    // Each line says how the grants reach the person (issue 8): with Workspace at Can view too, the
    // Editor by a direct share and the group, the Admin as the project's creator and the group.
    await dialog.getByLabel('Person or group').selectOption({ label: 'Workspace (everyone)' });
    await dialog.getByLabel('Permission').selectOption('can_view');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    await expect
      .poll(() => editorEntry.getByTestId('share-via').textContent())
      .toBe('via direct share (Can edit) · group Workspace (Can view)');
    const adminEntry = dialog.getByTestId('share-entry').filter({ hasText: ADMIN.email });
    expect(await adminEntry.getByTestId('share-via').textContent()).toBe(
      'via creator of the project (Full access) · group Workspace (Can view)',
    );
    // Remove is offered only where it would take a grant away: the Editor's direct share, the group's.
    expect(await editorEntry.getByRole('button', { name: 'Remove' }).count()).toBe(1);
    await dialog.screenshot({ path: join(artifacts, 'access-share-via.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The Editor opens the project, edits the SQL, runs it and sees rows.
    await editor.reload();
    await editor.getByRole('link', { name: 'Orders overview' }).click();
    expect(await editor.getByTitle('Your permission on this project').textContent()).toBe('Can edit');
    await demoSqlCell(editor)
      .getByLabel('SQL', { exact: true })
      .fill('select id, status from orders order by id limit 25');
    await demoSqlCell(editor).getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => demoSqlCell(editor).getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/^25 rows in \d+/);
    expect(await demoSqlCell(editor).getByTestId('results').locator('tbody tr').count()).toBe(25);
    await shot(editor, 'editor-run');

    // Through the API, the Admin gives Can query on the demo connection to a group without the Editor.
    const group = (await callApi(admin, 'groups.create', { name: 'Warehouse analysts' })) as { id: string };
    const connections = (await callApi(admin, 'connections.list')) as Array<{ id: string; name: string }>;
    const demo = connections.find((connection) => connection.name === 'Demo warehouse');
    expect(demo?.id).toMatch(/^con_/);
    await callApi(admin, 'connections.updatePermissions', {
      connectionId: demo?.id,
      groupsWithAccess: ['workspace'],
      canQuery: [group.id],
      canViewResults: null,
      canRefreshSchema: 'can_query',
    });

    // The Editor is down to Can explore, can no longer run, and the share dialog says why.
    await editor.reload();
    await editor.locator('#project-title').waitFor();
    expect(await editor.getByTitle('Your permission on this project').textContent()).toBe('Can explore');
    expect(await demoSqlCell(editor).getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(
      true,
    );
    await editor.getByRole('button', { name: 'Share' }).click();
    const ownEntry = editor
      .getByRole('dialog', { name: 'Share project' })
      .getByTestId('share-entry')
      .filter({ hasText: EDITOR.email });
    await expect.poll(() => ownEntry.getByTestId('share-effective').textContent()).toBe('Can explore');
    expect(await ownEntry.getByTestId('share-granted').textContent()).toBe('Shared as Can edit');
    expect(await ownEntry.locator('.share-reasons').textContent()).toContain(
      "Downgraded to Can explore: no Can query on connection 'Demo warehouse'",
    );
    await shot(editor, 'downgraded');

    // The Admin's settings pages: groups, the audit log (chain intact) and their sessions.
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Groups' }).click();
    await admin.getByRole('article', { name: 'Warehouse analysts' }).waitFor();
    await shot(admin, 'groups');
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await expect
      .poll(() => admin.getByTestId('audit-entry').first().textContent())
      .toContain('connection.permissions_change');
    await admin.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => admin.getByTestId('audit-verification').textContent()).toContain('Intact');
    await shot(admin, 'audit');
    const saving = admin.waitForEvent('download');
    await admin.getByRole('button', { name: 'Export JSON lines' }).click();
    const exported = await saving;
    expect(exported.suggestedFilename()).toMatch(/^quarry-audit-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = readFileSync(await exported.path(), 'utf8')
      .trim()
      .split('\n');
    const actions = lines.map((line) => (JSON.parse(line) as { action: string }).action);
    expect(actions[0]).toBe('connection.permissions_change');
    expect(actions).toContain('invite.accept');
    await expect
      .poll(() => admin.getByTestId('audit-export-status').textContent())
      .toMatch(/^Saved \d+ entries\.$/);
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'My sessions' })
      .click();
    await expect.poll(() => admin.getByTestId('session').first().textContent()).toContain('This device');
    await shot(admin, 'sessions');

    // The Admin lowers the Editor to Can view: the project opens as the app only, without its SQL.
    await admin.getByRole('link', { name: 'Projects', exact: true }).click();
    await admin.getByRole('link', { name: 'Orders overview' }).click();
    await admin.getByRole('button', { name: 'Share' }).click();
    const adminDialog = admin.getByRole('dialog', { name: 'Share project' });
    await adminDialog
      .getByLabel('Person or group')
      .selectOption({ label: `${EDITOR.name} (${EDITOR.email})` });
    await adminDialog.getByLabel('Permission').selectOption('can_view');
    await adminDialog.getByRole('button', { name: 'Share', exact: true }).click();
    await expect
      .poll(() =>
        adminDialog
          .getByTestId('share-entry')
          .filter({ hasText: EDITOR.email })
          .getByTestId('share-effective')
          .textContent(),
      )
      .toBe('Can view');
    await adminDialog.getByRole('button', { name: 'Close' }).click();
    await editor.reload();
    await editor.getByTestId('logic-hidden').waitFor();
    expect(await editor.getByTitle('Your permission on this project').textContent()).toBe('Can view');
    expect(await editor.getByTestId('logic-hidden').textContent()).toContain('hidden at Can view');
    expect(await demoSqlCell(editor).getByLabel('SQL', { exact: true }).count()).toBe(0);
    expect(await editor.getByRole('button', { name: 'Share' }).count()).toBe(0);
    expect(await editor.content()).not.toContain('from orders');
    await shot(editor, 'app-only');
  });
});
