import type { SsoProviderSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertDialog } from 'radix-ui';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { QueryState } from '../../ui/query-state';
import { Spinner } from '../../ui/spinner';
import { useToast } from '../../ui/toast';

const KIND_LABELS: Readonly<Record<SsoProviderSummary['kind'], string>> = {
  oidc: 'OpenID Connect',
  google: 'Google Workspace',
  okta: 'Okta',
};

/** Remove, behind a confirmation that names what stops working; the server's refusal shows inside it. */
function RemoveProvider({ provider }: { provider: SsoProviderSummary }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const remove = useMutation(
    trpc.sso.deleteProvider.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        toast(`${provider.name} removed`);
        return queryClient.invalidateQueries({ queryKey: trpc.sso.listProviders.queryKey() });
      },
    }),
  );
  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) remove.reset();
      }}
    >
      <AlertDialog.Trigger className="button">Remove</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog dialog-small">
          <div className="dialog-header">
            <AlertDialog.Title className="dialog-title">Remove {provider.name}?</AlertDialog.Title>
          </div>
          <div className="dialog-body">
            <AlertDialog.Description>
              People who sign in with {provider.name} can no longer do so. Their accounts stay.
            </AlertDialog.Description>
            {remove.error ? <ErrorMessage error={quarryErrorOf(remove.error)} /> : null}
            <div className="dialog-actions">
              <AlertDialog.Cancel className="button button-quiet">Cancel</AlertDialog.Cancel>
              <button
                type="button"
                className="button button-danger"
                disabled={remove.isPending}
                aria-busy={remove.isPending}
                onClick={() => remove.mutate({ providerId: provider.id })}
              >
                {remove.isPending ? <Spinner /> : null}
                Yes, remove
              </button>
            </div>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}

export function ProviderList() {
  const providers = useQuery(trpc.sso.listProviders.queryOptions());
  return (
    <QueryState
      query={providers}
      loading="Loading identity providers…"
      isEmpty={(data) => data.length === 0}
      empty={<p className="muted">No identity provider yet. Add one below.</p>}
    >
      {(data) => (
        <div className="table-scroll">
          <table className="data-table" data-testid="sso-providers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Issuer</th>
                <th scope="col">Redirect URI to register</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((provider) => (
                <tr key={provider.id} data-provider-id={provider.id}>
                  <th scope="row">{provider.name}</th>
                  <td>{KIND_LABELS[provider.kind]}</td>
                  <td className="mono">{provider.issuer}</td>
                  <td className="mono" data-testid="sso-redirect-uri">
                    {provider.redirectUri}
                  </td>
                  <td className="row-actions">
                    <RemoveProvider provider={provider} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </QueryState>
  );
}
