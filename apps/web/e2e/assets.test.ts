import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { newId } from '@quarry/db';
import { TEST_READER_PASSWORD } from '@quarry/db/testing';
import type { RunningProduct } from '@quarry/stack';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifacts,
  type BrowserProduct,
  callApi,
  demoSqlCell,
  signIn,
  startBrowserProduct,
} from './browser-product';
import { browserAvailable } from './chromium';

const EDITOR = { email: 'erin@quarry.local', name: 'Erin Editor', password: 'erin edits sql' };
const VIEWPORT = { width: 1280, height: 900 };
const GROUP = 'Treasury team';
const WORKSPACE_CONNECTION = 'Finance warehouse';
const PROJECT_CONNECTION = 'Erin’s warehouse';
const OWN_PROJECT = 'Erin’s scratchpad';

let running: BrowserProduct;
let product: RunningProduct;
let browser: Browser;
const contexts: BrowserContext[] = [];

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `assets-${name}.png`), fullPage: true });

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  return context.newPage();
}

type Reader = {
  host: string;
  port: number;
  database: string;
  username: string;
  sslMode: string;
  caCertificate?: string;
};

/** Where the test warehouse is, as the seeded demo connection reaches it (its reader role). */
async function warehouseReader(): Promise<Reader> {
  const [row] = await running.database.sql<{ settings: Reader }[]>`
    select settings from connections where name = 'Demo warehouse'`;
  if (!row) throw new Error('the demo connection is missing');
  return row.settings;
}

/** Fills a connection form the way a person does: the generated fields by their labels. */
async function fillConnection(form: Locator, name: string, reader: Reader) {
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Host', { exact: true }).fill(reader.host);
  await form.getByLabel('Port', { exact: true }).fill(String(reader.port));
  await form.getByLabel('Database', { exact: true }).fill(reader.database);
  await form.getByLabel('User name', { exact: true }).fill(reader.username);
  await form.getByLabel('Password', { exact: true }).fill(TEST_READER_PASSWORD);
  await form.getByLabel('SSL/TLS', { exact: true }).selectOption(reader.sslMode);
  if (reader.caCertificate)
    await form.getByLabel('CA certificate', { exact: true }).fill(reader.caCertificate);
}

const testConnection = async (scope: Locator) => {
  await scope.getByRole('button', { name: 'Test connection' }).click();
  await expect
    .poll(() => scope.getByTestId('connection-test').textContent(), { timeout: 20_000 })
    .toMatch(/^Connected in \d+ ms · PostgreSQL \d+/);
};

describe.runIf(browserAvailable)('workspace assets in real Chromium', () => {
  beforeAll(async () => {
    running = await startBrowserProduct({ port: 3973, orders: 2_000 });
    ({ product, browser } = running);
  });

  afterAll(async () => {
    // Whatever each page showed last, for a failure's post-mortem.
    for (const [index, context] of contexts.entries())
      for (const page of context.pages()) await shot(page, `last-${index}`).catch(() => undefined);
    for (const context of contexts) await context.close().catch(() => undefined);
    await running?.stop();
  });

  it('lets an Admin connect, test and restrict a warehouse, and an Editor outside the group connect their own', async () => {
    const reader = await warehouseReader();
    const admin = await newPage();
    await admin.goto(product.url);
    await signIn(admin);
    await admin.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();

    // Setup through the API: a custom group, and an Editor outside it who joins by invite and
    // gets Can edit on the demo project; the Editor's own project holds one empty cell.
    const group = (await callApi(admin, 'groups.create', { name: GROUP })) as { id: string };
    expect(group.id).toMatch(/^grp_/);
    const invite = (await callApi(admin, 'invites.create', { email: EDITOR.email, role: 'editor' })) as {
      link: string;
    };
    const editor = await newPage();
    await editor.goto(new URL(invite.link, product.url).toString());
    await editor.getByLabel('Your name').fill(EDITOR.name);
    await editor.getByLabel('Password').fill(EDITOR.password);
    await editor.getByRole('button', { name: 'Join workspace' }).click();
    await editor.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    const { sql } = running.database;
    const [facts] = await sql<{ workspace_id: string; editor_id: string; project_id: string }[]>`
      select p.workspace_id, u.id as editor_id, p.id as project_id
      from projects p, users u where p.name = 'Orders overview' and u.email = ${EDITOR.email}`;
    if (!facts) throw new Error('the demo project or the Editor is missing');
    await callApi(admin, 'sharing.share', {
      projectId: facts.project_id,
      target: { kind: 'user', userId: facts.editor_id },
      permission: 'can_edit',
    });
    const ownProject = newId('project');
    await sql`insert into projects (id, workspace_id, name, created_by)
      values (${ownProject}, ${facts.workspace_id}, ${OWN_PROJECT}, ${facts.editor_id})`;
    await sql`insert into cells (id, workspace_id, project_id, position, name, kind, connection_id, source)
      values (${newId('cell')}, ${facts.workspace_id}, ${ownProject}, 0, 'query_1', 'sql', null, '')`;

    // The Admin opens Settings → Data sources and creates a workspace connection to the warehouse.
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Data sources' })
      .click();
    await admin.getByRole('heading', { name: 'Data sources', level: 1 }).waitFor();
    await admin.getByTestId('connection-row').filter({ hasText: 'Demo warehouse' }).waitFor();
    expect(await admin.getByRole('switch', { name: 'Allow project data connections' }).isChecked()).toBe(
      true,
    );
    await shot(admin, '1-data-sources');
    await admin.getByRole('button', { name: '+ Connection' }).click();
    const dialog = admin.getByRole('dialog');
    const form = dialog.getByRole('form', { name: 'Data connection' });
    // The form is generated from the kind: its three sections.
    await form.getByRole('group', { name: 'Credentials' }).waitFor();
    for (const section of ['Connection', 'Credentials', 'SSL/TLS']) {
      expect(await form.getByRole('group', { name: section }).count()).toBe(1);
    }
    await fillConnection(form, WORKSPACE_CONNECTION, reader);
    // A database that does not exist is told apart, next to the Database field.
    await form.getByLabel('Database', { exact: true }).fill(`${reader.database}_missing`);
    await form.getByRole('button', { name: 'Test connection' }).click();
    const databaseError = form.locator('[data-field="database"] [role="alert"]');
    await databaseError.waitFor({ timeout: 20_000 });
    expect(await databaseError.getAttribute('data-code')).toBe('connector.database_not_found');
    await shot(admin, '2-test-failed');
    await form.getByLabel('Database', { exact: true }).fill(reader.database);
    await testConnection(form);
    await shot(admin, '3-test-ok');
    await form.getByRole('button', { name: 'Create connection' }).click();
    // Saved, it opens for editing: the password is kept but never shown, and it tests again.
    await dialog.getByRole('tab', { name: 'Permissions' }).waitFor();
    const saved = dialog.getByRole('form', { name: 'Data connection' });
    expect(await saved.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await saved.getByLabel('Password', { exact: true }).getAttribute('placeholder')).toBe(
      '•••• stored — leave blank to keep',
    );
    await testConnection(saved);
    await shot(admin, '4-saved');
    expect(await admin.content()).not.toContain(TEST_READER_PASSWORD);
    await dialog.getByRole('button', { name: 'Close' }).click();
    const row = admin.getByTestId('connection-row').filter({ hasText: WORKSPACE_CONNECTION });
    expect(await row.textContent()).toContain('Tier 1');

    // The Admin imports it into the demo project the Editor edits.
    await admin.getByRole('link', { name: 'Projects', exact: true }).click();
    await admin.getByRole('link', { name: 'Orders overview' }).click();
    await admin.getByRole('button', { name: 'Import a connection' }).click();
    const importing = admin.getByRole('dialog', { name: 'Import a data connection' });
    await importing
      .getByLabel('Workspace connection')
      .selectOption({ label: `${WORKSPACE_CONNECTION} (PostgreSQL)` });
    await importing.getByRole('button', { name: 'Import' }).click();
    await importing.waitFor({ state: 'detached' });
    await expect
      .poll(() => admin.getByTestId('project-connections').textContent())
      .toContain(WORKSPACE_CONNECTION);
    // An Admin adding a connection from a project shares it with the workspace unless they say otherwise.
    await admin.getByRole('button', { name: 'Add a data connection' }).click();
    const adding = admin.getByRole('dialog', { name: 'Add a data connection' });
    expect(await adding.getByRole('switch', { name: 'Share with workspace' }).isChecked()).toBe(true);
    await shot(admin, '5-project-add-as-admin');
    await adding.getByRole('button', { name: 'Close' }).click();

    // Can query only for the group: before saving, the preview names the Editor and what they lose.
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Data sources' })
      .click();
    await row.getByRole('button', { name: `Actions for ${WORKSPACE_CONNECTION}` }).click();
    await admin.getByRole('menuitem', { name: 'Permissions' }).click();
    const permissions = admin.getByRole('form', { name: 'Connection permissions' });
    const canQuery = permissions.getByRole('group', { name: 'Can query' });
    await canQuery.getByLabel('Only these groups').check();
    await canQuery.getByLabel(GROUP).check();
    const change = permissions.getByTestId('permission-change').filter({ hasText: EDITOR.name });
    await expect.poll(() => change.textContent(), { timeout: 15_000 }).toContain('Orders overview');
    const changeText = (await change.textContent()) ?? '';
    expect(changeText).toContain('Can edit');
    expect(changeText).toContain('Can explore');
    expect(changeText).toContain(`no Can query on connection '${WORKSPACE_CONNECTION}'`);
    await change.scrollIntoViewIfNeeded();
    await shot(admin, '6-permissions-preview');
    await permissions.getByRole('button', { name: 'Save permissions' }).click();
    await expect.poll(() => permissions.textContent()).toContain('No unsaved changes.');
    const [stored] = await sql<{ can_query: string[] }[]>`
      select can_query from connections where name = ${WORKSPACE_CONNECTION}`;
    expect(stored?.can_query).toEqual([group.id]);
    await admin.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // The Editor opens the demo project: down to Can explore, and the page says why.
    await editor.reload();
    await editor.getByRole('link', { name: 'Orders overview' }).click();
    await editor.getByTestId('project-reasons').waitFor();
    expect(await editor.getByTitle('Your permission on this project').textContent()).toBe('Can explore');
    expect(await editor.getByTestId('project-reasons').textContent()).toContain(
      `no Can query on connection '${WORKSPACE_CONNECTION}'`,
    );
    expect(await demoSqlCell(editor).getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(
      true,
    );
    await shot(editor, '7-editor-downgraded');

    // In their own project the Editor adds a project connection (no workspace sharing for them),
    // tests it, points the cell at it and runs a query.
    await editor.getByRole('link', { name: 'Projects', exact: true }).click();
    await editor.getByRole('link', { name: OWN_PROJECT }).click();
    await editor.getByRole('button', { name: 'Add a data connection' }).click();
    const own = editor.getByRole('dialog', { name: 'Add a data connection' });
    expect(await own.getByRole('switch', { name: 'Share with workspace' }).count()).toBe(0);
    await fillConnection(own, PROJECT_CONNECTION, reader);
    await testConnection(own);
    await shot(editor, '8-editor-project-connection');
    await own.getByRole('button', { name: 'Create connection' }).click();
    await own.waitFor({ state: 'detached' });
    await expect
      .poll(() => editor.getByTestId('project-connections').textContent())
      .toContain(PROJECT_CONNECTION);
    await editor.getByLabel('Data connection for query_1').selectOption({ label: PROJECT_CONNECTION });
    await expect.poll(() => editor.getByLabel('Data connection for query_1').isDisabled()).toBe(false);
    await editor
      .getByLabel('SQL', { exact: true })
      .fill('select id, status from orders order by id limit 10');
    await editor.getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => editor.getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toMatch(/^10 rows in \d+/);
    expect(await editor.getByTestId('results').locator('tbody tr').count()).toBe(10);
    await shot(editor, '9-editor-run');
    const [projectConnection] = await sql<{ scope: string; project_id: string }[]>`
      select scope, project_id from connections where name = ${PROJECT_CONNECTION}`;
    expect(projectConnection).toEqual({ scope: 'project', project_id: ownProject });
    expect(await editor.content()).not.toContain(TEST_READER_PASSWORD);
    // The Editor manages their project connection from the project: its password stays stored.
    await editor.getByRole('button', { name: `Edit ${PROJECT_CONNECTION}` }).click();
    const editing = editor.getByRole('dialog', { name: `Edit ${PROJECT_CONNECTION}` });
    const editForm = editing.getByRole('form', { name: 'Data connection' });
    await editForm.getByLabel('Password', { exact: true }).waitFor();
    expect(await editForm.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await editing.getByRole('tab', { name: 'Permissions' }).count()).toBe(0);
    await testConnection(editForm);
    await editing.getByRole('button', { name: 'Close' }).click();

    // Settings → Secrets: the Admin shares one with the group; its value is never shown.
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Secrets' }).click();
    await admin.getByRole('button', { name: '+ Secret' }).click();
    const secretDialog = admin.getByRole('dialog', { name: 'New secret' });
    const secretValue = randomUUID();
    await secretDialog.getByLabel('Name', { exact: true }).fill('FINANCE_API_KEY');
    await secretDialog.getByLabel('Value', { exact: true }).fill(secretValue);
    await secretDialog.getByLabel(GROUP).check();
    await secretDialog.getByRole('button', { name: 'Create secret' }).click();
    await secretDialog.waitFor({ state: 'detached' });
    const secretRow = admin.getByTestId('secret-row').filter({ hasText: 'FINANCE_API_KEY' });
    await expect.poll(() => secretRow.textContent()).toContain(`Workspace, ${GROUP}`);
    // The Admin imports it into the demo project; its usage then lists that project.
    await admin.getByRole('link', { name: 'Projects', exact: true }).click();
    await admin.getByRole('link', { name: 'Orders overview' }).click();
    await admin.getByLabel('Secret to import').selectOption({ label: 'FINANCE_API_KEY' });
    await admin.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => admin.getByTestId('project-secrets').textContent()).toContain('FINANCE_API_KEY');
    await shot(admin, '10-project-assets');
    await admin.getByRole('link', { name: 'Settings' }).click();
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Secrets' }).click();
    await expect.poll(() => secretRow.textContent()).toContain('1 project');
    await secretRow.getByRole('button', { name: '1 project' }).click();
    await expect
      .poll(() =>
        admin.getByRole('dialog', { name: 'Projects that use it' }).getByTestId('usage-list').textContent(),
      )
      .toBe('Orders overview');
    await admin.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    expect(await admin.content()).not.toContain(secretValue);
    await shot(admin, '11-secrets');

    // Deleting the workspace connection lists the projects it leaves first, and cannot be undone.
    await admin
      .getByRole('navigation', { name: 'Settings' })
      .getByRole('link', { name: 'Data sources' })
      .click();
    await row.getByRole('button', { name: `Actions for ${WORKSPACE_CONNECTION}` }).click();
    await admin.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = admin.getByRole('alertdialog', { name: `Delete ${WORKSPACE_CONNECTION}?` });
    await expect.poll(() => confirm.getByTestId('usage-list').textContent()).toBe('Orders overview');
    expect(await confirm.textContent()).toContain('cannot be undone');
    await shot(admin, '12-delete');
    await confirm.getByRole('button', { name: 'Yes, delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });

    // Switching project connections off stops the Editor's: their cell says why.
    await admin.getByRole('switch', { name: 'Allow project data connections' }).click();
    await expect
      .poll(() => admin.getByRole('switch', { name: 'Allow project data connections' }).isChecked())
      .toBe(false);
    await editor.reload();
    const note = editor.getByTestId('cell-connection-note');
    await note.waitFor();
    expect(await note.getAttribute('data-reason')).toBe('project_connections_disabled');
    expect(await note.textContent()).toContain(`“${PROJECT_CONNECTION}” is a project data connection`);
    await shot(editor, '13-project-connections-off');
  });
});
