import { AddProviderForm } from './add-provider-form';
import { ProviderList } from './provider-list';
import { SsoSettingsForm } from './sso-settings-form';

/** Settings → Single sign-on: the workspace's identity providers and who may join through them. */
export function SsoPage() {
  return (
    <section aria-labelledby="sso-title" className="settings-section">
      <div className="page-header">
        <h1 id="sso-title">Single sign-on</h1>
      </div>
      <p className="muted lead">
        Let people sign in with your identity provider over OpenID Connect. Register the redirect URI shown
        for each provider in the provider's settings.
      </p>
      <h2 className="section-title">Identity providers</h2>
      <ProviderList />
      <AddProviderForm />
      <SsoSettingsForm />
    </section>
  );
}
