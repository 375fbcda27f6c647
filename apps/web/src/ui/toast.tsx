import { Toast } from 'radix-ui';
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';

type Note = { id: number; message: string };

const ToastContext = createContext<(message: string) => void>(() => undefined);

/**
 * Short confirmations of something that already happened ("Token revoked", "Invite link copied"),
 * on Radix's Toast: announced politely to screen readers, paused on hover and focus, F8 reaches them.
 * Errors never go here: they stay next to the thing they concern.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [notes, setNotes] = useState<readonly Note[]>([]);
  const show = useCallback((message: string) => {
    setNotes((current) => [...current, { id: Date.now() + Math.random(), message }]);
  }, []);
  const drop = (id: number) => setNotes((current) => current.filter((note) => note.id !== id));
  return (
    <ToastContext value={show}>
      <Toast.Provider swipeDirection="right" duration={4000}>
        {children}
        {notes.map((note) => (
          <Toast.Root
            key={note.id}
            className="toast"
            data-testid="toast"
            onOpenChange={(open) => (open ? undefined : drop(note.id))}
          >
            <Toast.Title className="toast-title">{note.message}</Toast.Title>
            <Toast.Close className="button button-quiet toast-close" aria-label="Dismiss">
              ×
            </Toast.Close>
          </Toast.Root>
        ))}
        <Toast.Viewport className="toast-viewport" label="Notifications ({hotkey})" />
      </Toast.Provider>
    </ToastContext>
  );
}

/** `const toast = useToast(); toast('Token revoked')`. */
export function useToast(): (message: string) => void {
  return useContext(ToastContext);
}
