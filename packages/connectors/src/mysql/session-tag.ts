/**
 * A run's tag as it is written at the start of its statement, `/* quarry:run_123 *\/ `, which the
 * server keeps in PROCESSLIST's INFO column. Connection attributes would be the cleaner place, but
 * MariaDB keeps them only in performance_schema, which is off by default (and on this machine's
 * 10.11); the statement's text is visible everywhere `SHOW PROCESSLIST` is. The tag is reduced to
 * characters that cannot end the comment or the string it is compared as.
 */
export function tagPrefix(tag: string): string {
  const safe = tag.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);
  return `/* quarry:${safe} */ `;
}
