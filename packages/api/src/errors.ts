import type {
  ErrorDomain,
  NotFoundErrorCode,
  NotFoundSubject,
  QuarryError,
  QuarryErrorCode,
  Result,
} from '@quarry/contracts';
import { TRPCError } from '@trpc/server';

type TrpcCode = ConstructorParameters<typeof TRPCError>[0]['code'];

/** A QuarryError whose code is one of contracts' codes; domain helpers return these. */
export type CodedError<C extends QuarryErrorCode = QuarryErrorCode> = QuarryError & { code: C };

/** One table from each domain's error codes to the transport's. Anything unlisted is a 400. */
const CODE_TABLE: Array<[prefixOrCode: QuarryErrorCode | `${ErrorDomain}.`, trpc: TrpcCode]> = [
  ['auth.invalid_credentials', 'UNAUTHORIZED'],
  ['auth.signed_out', 'UNAUTHORIZED'],
  ['auth.bad_origin', 'FORBIDDEN'],
  ['access.', 'FORBIDDEN'],
  ['not_found.', 'NOT_FOUND'],
  ['groups.name_taken', 'CONFLICT'],
  ['connections.name_taken', 'CONFLICT'],
  ['connections.already_imported', 'CONFLICT'],
  ['connections.cannot_manage', 'FORBIDDEN'],
  ['secrets.name_taken', 'CONFLICT'],
  ['secrets.already_imported', 'CONFLICT'],
  ['invites.already_member', 'CONFLICT'],
  ['members.last_admin', 'PRECONDITION_FAILED'],
  ['auth.rate_limited', 'TOO_MANY_REQUESTS'],
  ['runs.too_many_active', 'TOO_MANY_REQUESTS'],
  ['request.unsupported_media_type', 'UNSUPPORTED_MEDIA_TYPE'],
  ['run.', 'BAD_REQUEST'],
  ['queue.', 'INTERNAL_SERVER_ERROR'],
];

export function trpcCodeFor(code: string): TrpcCode {
  for (const [key, trpc] of CODE_TABLE) {
    if (code === key || (key.endsWith('.') && code.startsWith(key))) return trpc;
  }
  return 'BAD_REQUEST';
}

/** The thrown form of a QuarryError; the error formatter sends `quarry` to the client intact. */
export class QuarryTRPCError extends TRPCError {
  readonly quarry: QuarryError;
  constructor(error: QuarryError) {
    super({ code: trpcCodeFor(error.code), message: error.message });
    this.quarry = error;
  }
}

export function unwrapOrThrow<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new QuarryTRPCError(result.error);
}

export const notFound = (what: NotFoundSubject): CodedError<NotFoundErrorCode> => ({
  code: `not_found.${what}`,
  message: `No such ${what} in this workspace`,
  hint: 'Check the link, or ask whoever shared it with you',
});
