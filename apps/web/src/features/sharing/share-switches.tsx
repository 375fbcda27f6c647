import type { ProjectSharing } from '@quarry/contracts';
import { useMutation } from '@tanstack/react-query';
import { trpc } from '../../trpc';
import { ErrorMessage } from '../../ui/error-message';
import { quarryErrorOf } from '../../ui/quarry-error';
import { Switch } from '../../ui/switch';

type ShareSwitchesProps = { sharing: ProjectSharing; onChanged: () => Promise<unknown> };

/** The project-wide switches, for Full access holders: the web, and re-sharing by Can edit holders. */
export function ShareSwitches({ sharing, onChanged }: ShareSwitchesProps) {
  const web = useMutation(trpc.sharing.shareWithWeb.mutationOptions({ onSuccess: () => onChanged() }));
  const reshare = useMutation(
    trpc.sharing.setEditorsCanShare.mutationOptions({ onSuccess: () => onChanged() }),
  );
  const { projectId } = sharing;

  if (!sharing.can.manageSharing) {
    return sharing.sharedWithWeb ? (
      <p className="share-note muted">Anyone with the link can view this project’s app.</p>
    ) : null;
  }
  return (
    <div className="share-switches">
      <Switch
        label="Share with the web"
        help="Anyone with the link can view the published app, without signing in."
        checked={web.isPending && web.variables ? web.variables.enabled : sharing.sharedWithWeb}
        busy={web.isPending}
        onChange={(enabled) => web.mutate({ projectId, enabled })}
      />
      {web.error ? <ErrorMessage error={quarryErrorOf(web.error)} /> : null}
      <Switch
        label="Let Can edit holders re-share"
        help="When off, only Full access holders can change who has access."
        checked={reshare.isPending && reshare.variables ? reshare.variables.enabled : sharing.editorsCanShare}
        busy={reshare.isPending}
        onChange={(enabled) => reshare.mutate({ projectId, enabled })}
      />
      {reshare.error ? <ErrorMessage error={quarryErrorOf(reshare.error)} /> : null}
    </div>
  );
}
