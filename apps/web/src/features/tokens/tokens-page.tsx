import type { CreatedApiToken } from '@quarry/contracts';
import { useState } from 'react';
import { CreateTokenForm } from './create-token-form';
import { NewTokenNotice } from './new-token-notice';
import { TokenList } from './token-list';

export function TokensPage() {
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  return (
    <section aria-labelledby="tokens-title" className="tokens-page">
      <div className="page-header">
        <h1 id="tokens-title">API tokens</h1>
      </div>
      <p className="muted lead">
        Tokens let scripts and the Quarry SDK act as you. Each one expires, and you can revoke it at any time.
      </p>
      {created ? <NewTokenNotice created={created} onDismiss={() => setCreated(null)} /> : null}
      <CreateTokenForm onCreated={setCreated} />
      <h2>Your tokens</h2>
      <TokenList />
    </section>
  );
}
