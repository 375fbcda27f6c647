import { timingSafeEqual } from 'node:crypto';
import { createSession, invalidateSession, validateSessionToken } from '@quarry/auth';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { ssoProviders, workspaces } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { readSessionCookie, serializeSessionCookie } from '../../auth/session-cookie';
import type { RequestInfo } from '../../context';
import type { Deps } from '../../deps';
import {
  badCallback,
  flowExpired,
  flowMissing,
  flowReplayed,
  providerError,
  providerMisconfigured,
  stateMismatch,
  unknownProvider,
} from '../errors';
import {
  createAuthorizationRequest,
  exchangeAuthorizationCode,
  issuerCache,
  issuerMismatch,
  verifyIdToken,
} from './auth-sso';
import { clientSecretContext } from './client-secret-context';
import { type ConsumedFlows, databaseConsumedFlows } from './consumed-flows';
import { discoveryOptions } from './discovery-options';
import {
  clearFlowCookie,
  openFlow,
  readFlowCookie,
  SSO_FLOW_TTL_MS,
  sealFlow,
  serializeFlowCookie,
} from './flow-cookie';
import { resolveSsoAccount } from './link-account';
import { ssoRedirectUri } from './redirect-uri';

/** Provider ids as `newId('sso')` makes them; anything else is not looked up. */
const PROVIDER_ID = /^sso_[a-z2-7]{16}$/;

type ProviderRow = typeof ssoProviders.$inferSelect;

async function loadProvider(deps: Deps, providerId: string): Promise<ProviderRow | null> {
  if (!PROVIDER_ID.test(providerId)) return null;
  const [row] = await deps.db.select().from(ssoProviders).where(eq(ssoProviders.id, providerId));
  return row ?? null;
}

/**
 * `GET /auth/sso/:providerId/start`: where to send the browser, and the flow cookie to set
 * (OIDC-2: PKCE S256, state and nonce, sealed together with the provider id, 10 minutes).
 */
export async function startSsoSignIn(
  deps: Deps,
  input: { providerId: string; publicUrl: string },
): Promise<Result<{ location: string; setCookie: string }>> {
  const provider = await loadProvider(deps, input.providerId);
  if (!provider) return err(unknownProvider());
  const client = await issuerCache.get(provider.issuer, discoveryOptions(deps));
  if (!client.ok) return err(client.error);
  const request = createAuthorizationRequest({
    authorizationEndpoint: client.value.metadata.authorizationEndpoint,
    clientId: provider.clientId,
    redirectUri: ssoRedirectUri(input.publicUrl, provider.id),
  });
  const value = sealFlow(deps.vault, provider.workspaceId, {
    providerId: provider.id,
    state: request.state,
    nonce: request.nonce,
    codeVerifier: request.codeVerifier,
    expiresAt: deps.now().getTime() + SSO_FLOW_TTL_MS,
  });
  return ok({
    location: request.url.toString(),
    setCookie: serializeFlowCookie({ value, secure: deps.secureCookies }),
  });
}

export type SsoCallbackInput = {
  providerId: string;
  publicUrl: string;
  /** The callback's query string as the provider sent it. */
  params: URLSearchParams;
  /** The request's Cookie header (the flow cookie, and any session cookie to end). */
  cookieHeader: string | null;
  request: RequestInfo;
};

export type SsoCallbackOutcome = {
  /** Set-Cookie headers to send whatever the result: the flow cookie's removal, then the session. */
  setCookies: string[];
  result: Result<{ userId: string; workspaceId: string }>;
};

const SINGLE = ['code', 'state', 'iss', 'error'] as const;

/**
 * `GET /auth/sso/:providerId/callback`. The flow cookie is cleared on every outcome and accepted
 * once. On success: a new session (AUTH-3) and an `auth.sign_in` audit entry with
 * `{ method: 'sso', provider }`. Every refusal writes a failure entry with the error code and
 * makes no session.
 */
export async function completeSsoSignIn(
  deps: Deps,
  input: SsoCallbackInput,
  flows: ConsumedFlows = databaseConsumedFlows(deps.db),
): Promise<SsoCallbackOutcome> {
  const now = deps.now();
  const setCookies = [clearFlowCookie(deps.secureCookies)];
  const provider = await loadProvider(deps, input.providerId);

  const refuse = async (error: QuarryError, userId: string | null = null): Promise<SsoCallbackOutcome> => {
    await deps.db.transaction((tx) =>
      writeAuditEvent(
        tx,
        {
          workspaceId: provider?.workspaceId ?? null,
          actorId: userId,
          action: 'auth.sign_in',
          outcome: 'failure',
          ip: input.request.ip,
          requestId: input.request.requestId,
          details: { method: 'sso', provider: provider?.id ?? null, code: error.code },
        },
        now,
      ),
    );
    deps.log.warn(
      { requestId: input.request.requestId, provider: provider?.id, code: error.code },
      'sso refused',
    );
    return { setCookies, result: err(error) };
  };

  if (!provider) return refuse(unknownProvider());

  // The flow cookie: ours (sealed for this workspace and provider), fresh, and not used before.
  const sealed = readFlowCookie(input.cookieHeader, deps.secureCookies);
  if (!sealed) return refuse(flowMissing());
  const flow = openFlow(deps.vault, {
    workspaceId: provider.workspaceId,
    providerId: provider.id,
    value: sealed,
  });
  if (!flow) return refuse(flowMissing());
  if (now.getTime() >= flow.expiresAt) return refuse(flowExpired());
  if (!(await flows.consume(flow.state, flow.expiresAt, now.getTime()))) return refuse(flowReplayed());

  const params: Partial<Record<(typeof SINGLE)[number], string>> = {};
  for (const name of SINGLE) {
    const values = input.params.getAll(name);
    if (values.length > 1) return refuse(badCallback());
    if (values[0] !== undefined) params[name] = values[0];
  }
  if (!params.state || !sameText(params.state, flow.state)) return refuse(stateMismatch());
  const client = await issuerCache.get(provider.issuer, discoveryOptions(deps));
  if (!client.ok) return refuse(client.error);
  // RFC 9207 (mix-up defence): the answer's `iss` must be this provider's issuer, and must be there
  // when the provider says it always sends it.
  if (
    params.iss !== undefined ? params.iss !== provider.issuer : client.value.metadata.issParameterSupported
  ) {
    return refuse(issuerMismatch(provider.issuer, params.iss?.slice(0, 200) ?? '(none)'));
  }
  if (params.error !== undefined) {
    return refuse(providerError(/^[a-z_]{1,64}$/.test(params.error) ? params.error : null));
  }
  if (!params.code || params.code.length > 4096) return refuse(badCallback());
  const secret = deps.vault.openText(
    provider.clientSecret,
    clientSecretContext(provider.workspaceId, provider.id),
  );
  if (!secret.ok) return refuse(providerMisconfigured());

  const tokens = await exchangeAuthorizationCode({
    tokenEndpoint: client.value.metadata.tokenEndpoint,
    clientId: provider.clientId,
    clientSecret: secret.value,
    redirectUri: ssoRedirectUri(input.publicUrl, provider.id),
    code: params.code,
    codeVerifier: flow.codeVerifier,
  });
  if (!tokens.ok) return refuse(tokens.error);
  const claims = await verifyIdToken(tokens.value.idToken, {
    issuer: provider.issuer,
    clientId: provider.clientId,
    nonce: flow.nonce,
    keys: client.value.keys,
    now,
  });
  if (!claims.ok) return refuse(claims.error);

  // A session cookie that came along ends: the sign-in makes a brand-new session (AUTH-3).
  const previous = readSessionCookie(input.cookieHeader, deps.secureCookies);
  const previousSession = previous ? await validateSessionToken(deps.db, previous, now) : null;

  const signedIn = await deps.db.transaction(async (tx) => {
    const [workspace] = await tx
      .select({
        id: workspaces.id,
        allowedEmailDomains: workspaces.allowedEmailDomains,
        ssoDefaultRole: workspaces.ssoDefaultRole,
      })
      .from(workspaces)
      .where(eq(workspaces.id, provider.workspaceId));
    if (!workspace) return err({ error: unknownProvider(), userId: null });
    const account = await resolveSsoAccount(tx, { workspace, claims: claims.value, now });
    if (!account.ok) return account;
    if (previousSession) await invalidateSession(tx, previousSession.sessionId);
    const session = await createSession(tx, {
      userId: account.value.userId,
      workspaceId: workspace.id,
      // Good in this workspace only: see sessions.auth_method.
      authMethod: 'sso',
      ip: input.request.ip,
      userAgent: input.request.userAgent,
      now,
    });
    const audit = {
      workspaceId: workspace.id,
      actorId: account.value.userId,
      ip: input.request.ip,
      requestId: input.request.requestId,
    };
    if (account.value.how !== 'identity') {
      await writeAuditEvent(
        tx,
        {
          ...audit,
          action: account.value.how === 'email' ? 'sso.identity_link' : 'sso.member_join',
          target: { type: 'user', id: account.value.userId },
          outcome: 'success',
          details: { provider: provider.id, how: account.value.how, role: account.value.role },
        },
        now,
      );
    }
    await writeAuditEvent(
      tx,
      {
        ...audit,
        action: 'auth.sign_in',
        outcome: 'success',
        details: { method: 'sso', provider: provider.id },
      },
      now,
    );
    return ok({ session, userId: account.value.userId, workspaceId: workspace.id });
  });
  if (!signedIn.ok) return refuse(signedIn.error.error, signedIn.error.userId);

  setCookies.push(
    serializeSessionCookie({
      token: signedIn.value.session.token,
      expiresAt: signedIn.value.session.expiresAt,
      secure: deps.secureCookies,
    }),
  );
  return {
    setCookies,
    result: ok({ userId: signedIn.value.userId, workspaceId: signedIn.value.workspaceId }),
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
