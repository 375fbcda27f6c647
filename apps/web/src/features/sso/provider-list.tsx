import type { SsoProviderSummary } from '@quarry/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { DangerDialog } from '../../ui/danger-dialog';
import { ListTable } from '../../ui/list-table';
import { QueryState } from '../../ui/query-state';
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
    <DangerDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) remove.reset();
      }}
      trigger="Remove"
      title={`Remove ${provider.name}?`}
      description={`People who sign in with ${provider.name} can no longer do so. Their accounts stay.`}
      confirmLabel="Yes, remove"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate({ providerId: provider.id })}
    />
  );
}

const COLUMNS = ['Name', 'Kind', 'Issuer', 'Redirect URI to register'] as const;

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
        <ListTable columns={COLUMNS} testId="sso-providers">
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
        </ListTable>
      )}
    </QueryState>
  );
}
