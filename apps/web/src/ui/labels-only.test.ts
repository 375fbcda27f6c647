import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The SPA decides nothing about permissions: the API sends the permission, the reasons and `can`
 * flags, and apps/web keeps only the words it shows (ui/labels.ts). This walks apps/web/src and
 * fails on anything that compares roles or permissions or ranks them.
 */
const ROLE = '(?:admin|manager|editor|explorer|viewer|guest)';
const PERMISSION = '(?:full_access|can_edit|can_explore|can_view|Full access|Can edit|Can explore|Can view)';
const FORBIDDEN: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  {
    what: 'a comparison with a role',
    pattern: new RegExp(`[!=]==?\\s*['"\`]${ROLE}['"\`]|['"\`]${ROLE}['"\`]\\s*[!=]==?`),
  },
  // A person's or member's `.role` compared with anything (reading a select's value into a role is fine).
  { what: 'a comparison of a role', pattern: /\.role\s*[!=]==?|[!=]==?\s*[\w.]*\.role\b/ },
  {
    what: 'a comparison with a permission',
    pattern: new RegExp(`[!=]==?\\s*['"\`]${PERMISSION}['"\`]|['"\`]${PERMISSION}['"\`]\\s*[!=]==?`),
  },
  {
    what: 'a set of permissions or roles to test against',
    pattern: new RegExp(
      `new Set\\(\\[[^\\]]*['"\`](?:${PERMISSION.slice(3, -1)}|${ROLE.slice(3, -1)})['"\`]`,
    ),
  },
  { what: 'a rank table', pattern: new RegExp(`\\b(?:none|${PERMISSION.slice(3, -1)})['"]?\\s*:\\s*\\d`) },
  {
    what: 'a permission ranking helper',
    pattern: /\b(?:meetsPermission|meetsProjectPermission|strongerOf|RANK)\b/,
  },
];

/** The lines of `source` that hold permission logic, with what each is. */
const offences = (source: string): string[] =>
  source
    .split('\n')
    .flatMap((line, index) =>
      FORBIDDEN.filter(({ pattern }) => pattern.test(line)).map(
        ({ what }) => `${index + 1}: ${what}: ${line.trim()}`,
      ),
    );

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });

const SRC = join(import.meta.dirname, '..');
/** The only file allowed to name roles and permissions: it maps them to words, and compares nothing. */
const LABELS = 'ui/labels.ts';

describe('no permission logic in apps/web', () => {
  it.each([
    {
      name: "can-author's label set",
      code: "const READ_ONLY = new Set(['Can view', 'Can explore', 'can_view']);",
    },
    {
      name: "the settings layout's role check",
      code: "export const isAdmin = (me: Me) => me.workspace.role === 'admin';",
    },
    { name: 'a copied rank table', code: '  can_edit: 3,' },
    { name: 'share-access re-deciding share management', code: "const canManage = own === 'full_access';" },
    { name: 'a ranking helper', code: 'meetsPermission(own, permission)' },
    { name: "two members' roles compared", code: 'if (member.role !== me.role) return null;' },
  ])('catches $name', ({ code }) => {
    expect(offences(code)).not.toEqual([]);
  });

  it('leaves words and server flags alone', () => {
    expect(offences("{permissionLabel(entry.effective)} {data.can.edit ? 'Edit' : null}")).toEqual([]);
    expect(offences("full_access: 'Full access',")).toEqual([]);
    expect(offences('const next = ROLES.find((role) => role === event.target.value);')).toEqual([]);
  });

  it('finds no role or permission comparison outside the labels file', () => {
    const found = sourceFiles(SRC)
      .filter((file) => relative(SRC, file) !== LABELS)
      .flatMap((file) =>
        offences(readFileSync(file, 'utf8')).map((line) => `${relative(SRC, file)}:${line}`),
      );
    expect(found).toEqual([]);
  });

  it('keeps the labels file to words', () => {
    expect(offences(readFileSync(join(SRC, LABELS), 'utf8'))).toEqual([]);
  });
});
