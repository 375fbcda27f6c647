import type {
  ConnectionDetail,
  ConnectorKindInfo,
  QuarryError,
  TestConnectionResult,
} from '@quarry/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Spinner } from '../../ui/spinner';
import { SubmitButton } from '../../ui/submit-button';
import { connectionFieldOf } from './connection-field-error';
import { ConnectionFields } from './connection-fields';
import { featureLabels, TIER_HELP, tierLabel } from './connection-labels';
import { type FieldValues, initialValues, payloadOf } from './connection-values';
import { SshHostKey } from './ssh-host-key';
import './connections.css';

/** What the form creates or edits. */
export type ConnectionFormMode =
  | { type: 'new-workspace' }
  /** From a project: `canShare` (Admins) offers "Share with workspace", on by default. */
  | { type: 'new-project'; projectId: string; canShare: boolean }
  | { type: 'edit'; connection: ConnectionDetail };

export type SavedConnection = { id: string; name: string };

type ConnectionFormProps = {
  kinds: readonly ConnectorKindInfo[];
  mode: ConnectionFormMode;
  onSaved: (saved: SavedConnection, how: { created: boolean; draft: boolean }) => void;
};

/** Secrets typed into the form are cleared once saved: the page keeps no credential it sent. */
const withoutSecrets = (kind: ConnectorKindInfo, values: FieldValues): FieldValues =>
  Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      kind.fields.find((field) => field.name === name)?.secret ? '' : value,
    ]),
  );

/**
 * A data connection's form, generated from its kind: name, kind, the kind's sections, then Test
 * connection (before and after saving) and Save. Errors appear beside the field they concern, or
 * at the top when they concern the whole form.
 */
export function ConnectionForm({ kinds, mode, onSaved }: ConnectionFormProps) {
  const id = useId();
  const editing = mode.type === 'edit' ? mode.connection : null;
  const [kindId, setKindId] = useState(editing?.kind ?? kinds[0]?.kind ?? '');
  const kind = kinds.find((candidate) => candidate.kind === kindId);
  const [name, setName] = useState(editing?.name ?? '');
  const [values, setValues] = useState<FieldValues>(() =>
    kind ? initialValues(kind, editing?.settings) : {},
  );
  const [share, setShare] = useState(true);
  const [problem, setProblem] = useState<QuarryError | null>(null);
  const [tested, setTested] = useState<TestConnectionResult | null>(null);

  const onError = (error: unknown) => setProblem(quarryErrorOf(error));
  const saved = (connection: SavedConnection, draft: boolean) => {
    if (kind) setValues((current) => withoutSecrets(kind, current));
    onSaved(connection, { created: !editing, draft });
  };
  const create = useMutation(
    trpc.connections.create.mutationOptions({
      onError,
      onSuccess: (connection, input) => saved(connection, input.draft ?? false),
    }),
  );
  const createForProject = useMutation(
    trpc.connections.createForProject.mutationOptions({
      onError,
      onSuccess: (connection) => saved(connection, false),
    }),
  );
  const update = useMutation(
    trpc.connections.update.mutationOptions({
      onError,
      onSuccess: (connection, input) => saved(connection, input.draft ?? false),
    }),
  );
  const queryClient = useQueryClient();
  const onTested = (result: TestConnectionResult) => {
    setTested(result);
    // A saved connection's first passing test through a tunnel pins the SSH host key: show it.
    if (editing && result.sshHostKey && result.sshHostKey !== editing.sshHostKey) {
      void queryClient.invalidateQueries({
        queryKey: trpc.connections.get.queryKey({ connectionId: editing.id }),
      });
    }
  };
  const test = useMutation(trpc.connections.test.mutationOptions({ onError, onSuccess: onTested }));
  const testNew = useMutation(trpc.connections.testNew.mutationOptions({ onError, onSuccess: onTested }));
  const testNewForProject = useMutation(
    trpc.connections.testNewForProject.mutationOptions({ onError, onSuccess: onTested }),
  );
  const saving = create.isPending || createForProject.isPending || update.isPending;
  const testing = test.isPending || testNew.isPending || testNewForProject.isPending;

  if (!kind) return <p className="muted">No database kind is available.</p>;

  const fieldNames = kind.fields.map((field) => field.name);
  const field = problem ? connectionFieldOf(problem, fieldNames) : null;
  const errorFor = (name: string) => (problem && field === name ? problem : null);
  const formError = problem && !field ? problem : null;
  const draftAllowed = mode.type === 'new-workspace' || editing?.status === 'draft';

  const start = () => {
    setProblem(null);
    setTested(null);
  };

  const save = (draft: boolean) => {
    if (saving) return;
    start();
    const { settings, secrets } = payloadOf(kind, values);
    const trimmed = name.trim();
    if (mode.type === 'edit') {
      update.mutate({ connectionId: mode.connection.id, name: trimmed, settings, secrets, draft });
    } else if (mode.type === 'new-project') {
      createForProject.mutate({
        projectId: mode.projectId,
        name: trimmed,
        kind: kind.kind,
        settings,
        secrets,
        shareWithWorkspace: mode.canShare && share,
      });
    } else {
      create.mutate({ name: trimmed, kind: kind.kind, settings, secrets, draft });
    }
  };

  const runTest = () => {
    if (testing) return;
    start();
    const { settings, secrets } = payloadOf(kind, values);
    if (mode.type === 'edit') test.mutate({ connectionId: mode.connection.id, settings, secrets });
    else if (mode.type === 'new-project')
      testNewForProject.mutate({ projectId: mode.projectId, kind: kind.kind, settings, secrets });
    else testNew.mutate({ kind: kind.kind, settings, secrets });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save(false);
  };

  return (
    <form className="connection-form" onSubmit={submit} noValidate aria-label="Data connection">
      {formError ? <ErrorMessage error={formError} testId="connection-form-error" /> : null}
      <div className="connection-form-head">
        <div className="field field-grow">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            name="name"
            type="text"
            maxLength={100}
            placeholder="Analytics warehouse"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={errorFor('name') ? true : undefined}
            aria-describedby={errorFor('name') ? `${id}-name-error` : undefined}
          />
          {errorFor('name') ? (
            <ErrorMessage error={errorFor('name') as QuarryError} id={`${id}-name-error`} />
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-kind`}>Database type</label>
          <select
            id={`${id}-kind`}
            name="kind"
            value={kind.kind}
            disabled={editing !== null}
            onChange={(event) => {
              const next = kinds.find((candidate) => candidate.kind === event.target.value);
              if (!next) return;
              setKindId(next.kind);
              setValues(initialValues(next));
              start();
            }}
          >
            {kinds.map((candidate) => (
              <option key={candidate.kind} value={candidate.kind}>
                {candidate.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small connection-kind-facts">
        <span className="badge" title={TIER_HELP[kind.tier]}>
          {tierLabel(kind.tier)}
        </span>{' '}
        {TIER_HELP[kind.tier]}.
      </p>
      <ul
        className="connection-kind-features muted small"
        aria-label={`What ${kind.label} connections support`}
      >
        {featureLabels(kind).map((label) => (
          <li key={label}>{label}</li>
        ))}
      </ul>
      <ConnectionFields
        id={id}
        kind={kind}
        values={values}
        onChange={(fieldName, value) => setValues((current) => ({ ...current, [fieldName]: value }))}
        storedSecrets={editing?.storedSecrets ?? []}
        errorFor={errorFor}
      />
      {editing ? <SshHostKey key={editing.sshHostKey ?? 'none'} connection={editing} /> : null}
      {mode.type === 'new-project' && mode.canShare ? (
        <div className="switch-row connection-share">
          <input
            id={`${id}-share`}
            type="checkbox"
            role="switch"
            aria-checked={share}
            className="switch"
            checked={share}
            onChange={(event) => setShare(event.target.checked)}
            aria-describedby={`${id}-share-help`}
          />
          <div>
            <label htmlFor={`${id}-share`}>Share with workspace</label>
            <p className="field-help muted" id={`${id}-share-help`}>
              {share
                ? 'A workspace connection: reusable in other projects, with its permissions set in Settings → Data sources.'
                : 'A project connection: usable in this project only.'}
            </p>
          </div>
        </div>
      ) : mode.type === 'new-project' ? (
        <p className="muted small">This connection can be used in this project only.</p>
      ) : null}
      <div className="connection-test" role="status" aria-live="polite" data-testid="connection-test">
        {testing ? (
          <span className="inline-busy">
            <Spinner /> Testing the connection…
          </span>
        ) : tested ? (
          <TestResult result={tested} kindLabel={kind.label} />
        ) : null}
      </div>
      <div className="form-actions connection-actions">
        <button type="button" className="button" onClick={runTest} disabled={testing} aria-busy={testing}>
          {testing ? <Spinner /> : null}
          Test connection
        </button>
        <span className="connection-actions-save">
          {draftAllowed ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => save(true)}
              disabled={saving}
            >
              Save as draft
            </button>
          ) : null}
          <SubmitButton pending={saving}>{editing ? 'Save changes' : 'Create connection'}</SubmitButton>
        </span>
      </div>
    </form>
  );
}

function TestResult({ result, kindLabel }: { result: TestConnectionResult; kindLabel: string }) {
  // Servers answer "15.2 (Debian …)" or "PostgreSQL 15.2 …": name the database once either way.
  const version = result.serverVersion.startsWith(kindLabel)
    ? result.serverVersion
    : `${kindLabel} ${result.serverVersion}`;
  return (
    <div className="connection-test-ok" data-testid="connection-test-ok">
      <p className="status status-on">
        Connected in {result.latencyMs} ms · {version}
      </p>
      {result.sshHostKey ? (
        <p className="small" data-testid="connection-test-ssh-host-key">
          Through the SSH server with host key <code className="mono">{result.sshHostKey}</code>
        </p>
      ) : null}
      {result.warnings.length > 0 ? (
        <div className="connection-warnings">
          <p className="notice-warning">
            {result.warnings.length === 1 ? 'One thing to fix' : `${result.warnings.length} things to fix`}{' '}
            before sharing this connection:
          </p>
          <ul>
            {result.warnings.map((warning) => (
              <li key={warning.code} data-code={warning.code}>
                {warning.message}
                <details>
                  <summary>SQL for the warehouse’s administrator</summary>
                  <pre className="mono">{warning.fix}</pre>
                </details>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
