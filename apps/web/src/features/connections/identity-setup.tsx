import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { trpc } from '../../trpc';
import { QueryState } from '../../ui/query-state';

type IdentitySetupProps = { connectionId: string };

/** One statement to copy, with what it is for. */
function SqlBlock({ title, help, sql }: { title: string; help: string; sql: string }) {
  const id = useId();
  return (
    <section className="identity-sql" aria-labelledby={id}>
      <div className="identity-sql-head">
        <h4 id={id}>{title}</h4>
        <button
          type="button"
          className="button button-small"
          onClick={() => void navigator.clipboard?.writeText(sql)}
        >
          Copy
        </button>
      </div>
      <p className="muted small">{help}</p>
      <pre className="mono">{sql}</pre>
    </section>
  );
}

/**
 * What an Admin runs at the warehouse so its row-level security sees who reads (CONN-5). The key is
 * never shown here: the Admin makes it, pastes it into the connection's Identity key field (write-
 * only) and hands it to psql as a variable.
 */
export function IdentitySetup({ connectionId }: IdentitySetupProps) {
  const setup = useQuery(trpc.connections.identitySetup.queryOptions({ connectionId }));
  return (
    <details className="identity-setup">
      <summary>Set up identity passthrough at the warehouse</summary>
      <QueryState query={setup} loading="Loading the setup SQL…">
        {(sql) => (
          <ol className="identity-steps">
            <li>
              Make a key: <code className="mono">openssl rand -hex 32</code>. Paste it into{' '}
              <strong>Identity key</strong> above, turn on <strong>Pass the reader's identity</strong> and
              save.
            </li>
            <li>
              <SqlBlock
                title="1. Install (as a superuser, once per warehouse database)"
                help="Creates the identity schema, its key table and the functions policies call; grants them to this connection's login role."
                sql={sql.installSql}
              />
            </li>
            <li>
              <SqlBlock
                title="2. Add the key"
                help={`Run with psql -v ${sql.keyVariable}=<your key> -f key.sql: the key stays yours and Quarry never shows it.`}
                sql={sql.keySqlTemplate}
              />
            </li>
            <li>
              <SqlBlock
                title="3. A policy (example)"
                help="Shows each reader their own rows and their groups' rows; adapt the table and columns."
                sql={sql.samplePolicySql}
              />
            </li>
            <li>Test the connection: a wrong key or a missing install shows there.</li>
          </ol>
        )}
      </QueryState>
    </details>
  );
}
