/**
 * The README's SDK example: run a query in the demo project and iterate the rows as they stream.
 *
 *   QUARRY_URL=http://localhost:3000 QUARRY_TOKEN=qry_… npm run example
 */
import { createQuarryClient } from '@quarry/sdk';

export async function firstQuery(options: { url: string; token: string; print?: (line: string) => void }) {
  const print = options.print ?? console.log;
  const quarry = createQuarryClient({ url: options.url, token: options.token });

  // The projects this token's owner may open, and the first SQL cell of the first one.
  const [project] = await quarry.api.projects.list.query();
  if (!project) throw new Error('No project is shared with you');
  const { cells } = await quarry.api.projects.get.query({ projectId: project.id });
  const cell = cells.find((c) => c.kind === 'sql');
  if (!cell) throw new Error(`Project ${project.name} has no SQL cell`);

  // Runs as you, through the same permission checks as the app; rows stream in as they are read.
  const result = await quarry.query({
    projectId: project.id,
    cellId: cell.id,
    sql: 'select status, count(*) as orders, sum(total) as revenue from orders group by status order by orders desc',
  });
  let rows = 0;
  for await (const row of result.rows) {
    if (rows === 0)
      print(
        result
          .columns()
          .map((c) => c.name)
          .join('\t'),
      );
    print(row.join('\t'));
    rows += 1;
  }
  print(`${rows} rows`);
  return rows;
}

if (import.meta.main) {
  const url = process.env.QUARRY_URL ?? 'http://localhost:3000';
  const token = process.env.QUARRY_TOKEN;
  if (!token) {
    console.error('Set QUARRY_TOKEN to a personal API token (Quarry → API tokens → Create token)');
    process.exit(2);
  }
  await firstQuery({ url, token });
}
