import type { ConnectionDetail } from '@quarry/contracts';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../trpc';
import { ConfirmedAction } from '../../ui/confirmed-action';

/**
 * The SSH server's pinned host key on a connection's form: what Quarry checks on every connection
 * through the tunnel, and the way to re-pin after a legitimate key change (forget, then test).
 * Shown only for a connection with an SSH host.
 */
export function SshHostKey({ connection }: { connection: ConnectionDetail }) {
  const [pinned, setPinned] = useState(connection.sshHostKey);
  const forget = useMutation(
    trpc.connections.forgetSshHostKey.mutationOptions({ onSuccess: () => setPinned(null) }),
  );
  const tunneled = typeof connection.settings.sshHost === 'string' && connection.settings.sshHost !== '';
  if (!tunneled) return null;
  return (
    <div className="connection-ssh-host-key" data-testid="ssh-host-key">
      {pinned ? (
        <>
          <p className="small">
            SSH host key <code className="mono">{pinned}</code>
          </p>
          <p className="field-help muted">
            Quarry refuses the SSH server if it ever presents another key. If its key was changed on purpose,
            compare the new fingerprint with the server's administrator, forget this one and test the
            connection to pin the new key.
          </p>
          <ConfirmedAction
            label="Forget host key"
            question="Forget the pinned SSH host key? Runs through the tunnel stop until a test pins the key the server presents."
            confirmLabel="Yes, forget it"
            action={{
              isPending: forget.isPending,
              error: forget.error,
              mutate: () => forget.mutate({ connectionId: connection.id }),
            }}
          />
        </>
      ) : (
        <p className="field-help muted">
          No SSH host key is pinned yet: test the connection to pin the key the SSH server presents.
        </p>
      )}
    </div>
  );
}
