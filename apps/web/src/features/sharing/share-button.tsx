import { useState } from 'react';
import { ShareDialog } from './share-dialog';

/** The project header's Share button and the dialog it opens. */
export function ShareButton({ projectId, projectName }: { projectId: string; projectName: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Share
      </button>
      {open ? (
        <ShareDialog projectId={projectId} projectName={projectName} onClose={() => setOpen(false)} />
      ) : null}
    </>
  );
}
