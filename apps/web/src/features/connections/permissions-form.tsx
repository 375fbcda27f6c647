import type {
  ConnectionPermissions,
  GroupSummary,
  PermissionChangePreview,
  UpdateConnectionPermissionsInput,
} from '@quarry/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { permissionLabel } from '../../ui/labels';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';
import { SubmitButton } from '../../ui/submit-button';
import { useToast } from '../../ui/toast';
import { GroupChecklist } from './group-checklist';

type Draft = Omit<UpdateConnectionPermissionsInput, 'connectionId'>;

const draftOf = (saved: ConnectionPermissions): Draft => ({
  groupsWithAccess: saved.groupsWithAccess,
  canQuery: saved.canQuery,
  canViewResults: saved.canViewResults,
  canRefreshSchema: saved.canRefreshSchema,
});

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((item) => b.includes(item));

const changed = (a: Draft, b: Draft) =>
  !sameList(a.groupsWithAccess, b.groupsWithAccess) ||
  !sameList(a.canQuery, b.canQuery) ||
  !sameList(a.canViewResults, b.canViewResults) ||
  a.canRefreshSchema !== b.canRefreshSchema;

export function PermissionsTab({ connectionId }: { connectionId: string }) {
  const permissions = useQuery(trpc.connections.permissions.queryOptions({ connectionId }));
  const groups = useQuery(trpc.groups.list.queryOptions());
  return (
    <QueryState query={permissions} loading="Loading permissions…">
      {(saved) => (
        <QueryState query={groups} loading="Loading groups…">
          {(list) => <PermissionsForm connectionId={connectionId} saved={saved} groups={list} />}
        </QueryState>
      )}
    </QueryState>
  );
}

type RestrictedProps = {
  id: string;
  legend: string;
  help: string;
  everyone: string;
  value: string[] | null;
  groups: readonly GroupSummary[];
  onChange: (next: string[] | null) => void;
};

/** A permission held by everyone (the seed's default, `null`) or by the groups ticked. */
function Restricted({ id, legend, help, everyone, value, groups, onChange }: RestrictedProps) {
  return (
    <fieldset className="connection-section">
      <legend>{legend}</legend>
      <p className="field-help muted">{help}</p>
      <label className="checkbox">
        <input type="radio" name={id} checked={value === null} onChange={() => onChange(null)} />
        {everyone}
      </label>
      <label className="checkbox">
        <input type="radio" name={id} checked={value !== null} onChange={() => onChange(value ?? [])} />
        Only these groups
      </label>
      {value !== null ? (
        <GroupChecklist
          label={`${legend}: groups`}
          groups={groups}
          builtIn={['workspace', 'workspace_guests']}
          selected={value}
          onChange={onChange}
        />
      ) : null}
    </fieldset>
  );
}

type PermissionsFormProps = { connectionId: string; saved: ConnectionPermissions; groups: GroupSummary[] };

/**
 * The seed's connection permissions, and before anything is saved, who would lose access to which
 * project and why, as the engine computes it (`connections.previewPermissions`).
 */
function PermissionsForm({ connectionId, saved, groups }: PermissionsFormProps) {
  const id = useId();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const dirty = changed(draft, draftOf(saved));
  const input: UpdateConnectionPermissionsInput = { connectionId, ...draft };
  const preview = useQuery({
    ...trpc.connections.previewPermissions.queryOptions(input),
    enabled: dirty && draft.groupsWithAccess.length > 0,
    placeholderData: keepPreviousData,
  });
  const update = useMutation(
    trpc.connections.updatePermissions.mutationOptions({
      onSuccess: async () => {
        toast(`Permissions of ${saved.name} saved`);
        await Promise.all([
          queryClient.invalidateQueries({
            queryKey: trpc.connections.permissions.queryKey({ connectionId }),
          }),
          queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() }),
        ]);
      },
    }),
  );
  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) => {
      update.reset();
      setDraft((current) => ({ ...current, [key]: value }));
    };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending || !dirty) return;
    update.mutate(input);
  };

  return (
    <form className="connection-form" onSubmit={submit} noValidate aria-label="Connection permissions">
      <fieldset className="connection-section">
        <legend>Groups with access</legend>
        <p className="field-help muted">
          Who may use this connection in projects. Editors without access are downgraded to Can view on
          projects that use it. Admins always have access.
        </p>
        <GroupChecklist
          label="Groups with access"
          groups={groups}
          selected={draft.groupsWithAccess}
          onChange={set('groupsWithAccess')}
        />
        {draft.groupsWithAccess.length === 0 ? (
          <p className="field-help muted" role="status">
            Tick at least one group.
          </p>
        ) : null}
      </fieldset>
      <Restricted
        id={`${id}-query`}
        legend="Can query"
        help="Who may author queries on it. Can edit holders without it are downgraded to Can explore."
        everyone="Everyone in Workspace (default)"
        value={draft.canQuery}
        groups={groups}
        onChange={set('canQuery')}
      />
      <Restricted
        id={`${id}-results`}
        legend="Can view results"
        help="Who may see results of projects that use it; anyone else cannot open those projects. Admins and groups with Can query always can."
        everyone="Everyone, Public included (default)"
        value={draft.canViewResults}
        groups={groups}
        onChange={set('canViewResults')}
      />
      <fieldset className="connection-section">
        <legend>Can refresh schema</legend>
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-refresh`}
            checked={draft.canRefreshSchema === 'can_query'}
            onChange={() => set('canRefreshSchema')('can_query')}
          />
          Everyone with Can query
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name={`${id}-refresh`}
            checked={draft.canRefreshSchema === 'admins_only'}
            onChange={() => set('canRefreshSchema')('admins_only')}
          />
          Admins only
        </label>
      </fieldset>
      {dirty ? <Preview preview={preview} /> : null}
      {update.error ? <ErrorMessage error={quarryErrorOf(update.error)} /> : null}
      <div className="form-actions">
        <SubmitButton pending={update.isPending}>Save permissions</SubmitButton>
        {dirty ? (
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              update.reset();
              setDraft(draftOf(saved));
            }}
          >
            Undo changes
          </button>
        ) : (
          <span className="muted small">No unsaved changes.</span>
        )}
      </div>
    </form>
  );
}

type PreviewProps = {
  preview: {
    data: PermissionChangePreview | undefined;
    error: unknown;
    isFetching: boolean;
    refetch: () => unknown;
  };
};

/** Who the change would downgrade, on which project, from what to what, and why. */
function Preview({ preview }: PreviewProps) {
  return (
    <section
      className="permission-preview"
      aria-labelledby="permission-preview-title"
      data-testid="permission-preview"
    >
      <h3 id="permission-preview-title">Before you save {preview.isFetching ? <Spinner /> : null}</h3>
      {preview.error ? (
        <ErrorMessage error={quarryErrorOf(preview.error)} />
      ) : !preview.data ? (
        <p className="muted">Working out who this change affects…</p>
      ) : preview.data.changes.length === 0 ? (
        <p className="muted">Nobody’s access to a project changes.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Project</th>
                <th scope="col">Change</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {preview.data.changes.map((change) => (
                <tr key={`${change.userId}:${change.projectId}`} data-testid="permission-change">
                  <th scope="row">
                    {change.name} <span className="muted small">{change.email}</span>
                  </th>
                  <td>{change.projectName}</td>
                  <td className="permission-change-levels">
                    <span className={`permission permission-${change.before}`}>
                      {permissionLabel(change.before)}
                    </span>
                    <span aria-hidden="true"> → </span>
                    <span className="visually-hidden"> becomes </span>
                    <span className={`permission permission-${change.after}`}>
                      {permissionLabel(change.after)}
                    </span>
                  </td>
                  <td className="small">
                    {change.reasons.map((reason) => (
                      <p key={reason.code} className="permission-reason">
                        {reason.message}
                      </p>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
