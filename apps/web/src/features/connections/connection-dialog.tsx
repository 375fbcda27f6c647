import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Tabs } from 'radix-ui';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { Dialog } from '../../ui/dialog';
import { QueryState } from '../../ui/query-state';
import { useToast } from '../../ui/toast';
import { SchemaSettingsPanel, SchemaSettingsTrigger } from '../schema-browser/schema-settings-tab';
import { ConnectionForm, type SavedConnection } from './connection-form';
import { IdentitySetup } from './identity-setup';
import { PermissionsTab } from './permissions-form';

type Tab = 'settings' | 'permissions' | 'schema';

type ConnectionDialogProps = {
  /** The connection to edit; null creates a new workspace connection. */
  connectionId: string | null;
  initialTab?: Tab;
  onClose: () => void;
};

/**
 * Create or edit a connection from Settings → Data sources. A new connection becomes the one being
 * edited once saved, so it can be tested again and its permissions set without leaving the dialog.
 */
export function ConnectionDialog({ connectionId, initialTab = 'settings', onClose }: ConnectionDialogProps) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [current, setCurrent] = useState(connectionId);
  const [tab, setTab] = useState<Tab>(initialTab);
  const kinds = useQuery(trpc.connections.kinds.queryOptions());
  const detail = useQuery({
    ...trpc.connections.get.queryOptions({ connectionId: current ?? '' }),
    enabled: current !== null,
  });

  const onSaved = async (saved: SavedConnection, how: { created: boolean; draft: boolean }) => {
    toast(
      how.draft
        ? `${saved.name} saved as a draft`
        : how.created
          ? `${saved.name} created`
          : `${saved.name} saved`,
    );
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.connections.get.queryKey({ connectionId: saved.id }) }),
    ]);
    setCurrent(saved.id);
  };

  const title = current === null ? 'New data connection' : `Edit ${detail.data?.name ?? 'connection'}`;
  return (
    <Dialog title={title} onClose={onClose}>
      <QueryState query={kinds} loading="Loading database kinds…">
        {(kindList) =>
          current === null ? (
            <ConnectionForm kinds={kindList} mode={{ type: 'new-workspace' }} onSaved={onSaved} />
          ) : (
            <QueryState query={detail} loading="Loading the connection…">
              {(connection) => (
                <Tabs.Root
                  value={tab}
                  onValueChange={(value) =>
                    setTab(value === 'permissions' || value === 'schema' ? value : 'settings')
                  }
                >
                  <Tabs.List className="tabs" aria-label="Connection">
                    <Tabs.Trigger className="tab" value="settings">
                      Settings
                    </Tabs.Trigger>
                    {connection.scope === 'workspace' ? (
                      <Tabs.Trigger className="tab" value="permissions">
                        Permissions
                      </Tabs.Trigger>
                    ) : null}
                    <SchemaSettingsTrigger />
                  </Tabs.List>
                  <Tabs.Content value="settings" className="tab-panel">
                    <ConnectionForm
                      key={connection.id}
                      kinds={kindList}
                      mode={{ type: 'edit', connection }}
                      onSaved={onSaved}
                    />
                    {kindList
                      .find((kind) => kind.kind === connection.kind)
                      ?.fields.some((field) => field.name === 'passIdentity') ? (
                      <IdentitySetup connectionId={connection.id} />
                    ) : null}
                  </Tabs.Content>
                  {connection.scope === 'workspace' ? (
                    <Tabs.Content value="permissions" className="tab-panel">
                      <PermissionsTab connectionId={connection.id} />
                    </Tabs.Content>
                  ) : null}
                  <SchemaSettingsPanel connectionId={connection.id} />
                </Tabs.Root>
              )}
            </QueryState>
          )
        }
      </QueryState>
    </Dialog>
  );
}
