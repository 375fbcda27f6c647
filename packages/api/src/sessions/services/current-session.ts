import type { Actor } from '../../trpc';

/** The session the caller is using, if they came with one (an API token has none). */
export const currentSessionId = (actor: Actor) => (actor.via.kind === 'session' ? actor.via.sessionId : null);
