import { ChangePasswordForm } from './change-password-form';
import { SessionList } from './session-list';

export function SessionsPage() {
  return (
    <section aria-labelledby="sessions-title" className="settings-section">
      <div className="page-header">
        <h1 id="sessions-title">My sessions</h1>
      </div>
      <p className="muted lead">
        Everywhere you are signed in to this workspace. Sign out of a device you no longer use, or of every
        device at once if you think someone else has your password.
      </p>
      <SessionList />
      <ChangePasswordForm />
    </section>
  );
}
