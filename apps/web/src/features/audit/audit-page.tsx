import { type FormEvent, useId, useState } from 'react';
import { KNOWN_AUDIT_ACTIONS } from './audit-actions';
import { AuditTable } from './audit-table';
import { ExportAuditButton } from './export-audit-button';
import { VerifyChain } from './verify-chain';

export function AuditPage() {
  const id = useId();
  const [draft, setDraft] = useState('');
  const [action, setAction] = useState<string | undefined>(undefined);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAction(draft.trim() || undefined);
  };

  return (
    <section aria-labelledby="audit-title" className="settings-section">
      <div className="page-header">
        <h1 id="audit-title">Audit log</h1>
      </div>
      <p className="muted lead">
        Every change to access, sharing and settings, newest first. Each entry is chained to the one before
        it, so a deleted or altered entry shows up when you verify the chain.
      </p>
      <div className="audit-tools">
        <form className="inline-form" onSubmit={apply} aria-label="Filter the audit log">
          <label htmlFor={`${id}-action`}>Action</label>
          <input
            id={`${id}-action`}
            type="text"
            list={`${id}-actions`}
            placeholder="All actions"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <datalist id={`${id}-actions`}>
            {KNOWN_AUDIT_ACTIONS.map((known) => (
              <option key={known} value={known} />
            ))}
          </datalist>
          <button type="submit" className="button">
            Filter
          </button>
          {action ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                setDraft('');
                setAction(undefined);
              }}
            >
              Show all
            </button>
          ) : null}
        </form>
        <div className="audit-tools-right">
          <VerifyChain />
          <ExportAuditButton action={action} />
        </div>
      </div>
      <AuditTable action={action} />
    </section>
  );
}
