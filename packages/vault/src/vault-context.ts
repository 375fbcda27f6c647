/**
 * What a sealed record belongs to. It is bound into the AAD of both the wrapped data key and the
 * body, so a record only opens for the exact workspace, record and purpose it was sealed for.
 */
export type VaultContext = { workspaceId: string; recordId: string; purpose: string };

const FIELDS = ['workspaceId', 'recordId', 'purpose'] as const;

/**
 * Why a context cannot be used, or undefined when it can. Fields must be non-empty, well-formed
 * text (a lone surrogate would be replaced when encoded, so two contexts could share bytes).
 */
export const contextProblem = (context: VaultContext): string | undefined => {
  for (const field of FIELDS) {
    const value: unknown = context[field];
    if (typeof value !== 'string' || value === '' || !value.isWellFormed()) {
      return `The vault context's ${field} must be non-empty text`;
    }
  }
  return undefined;
};

/**
 * Canonical context bytes: for workspaceId, recordId and purpose in that order, a 4-byte big-endian
 * byte length followed by the UTF-8 bytes. Length prefixes make the encoding injective, so no two
 * different contexts produce the same AAD.
 */
export const encodeContext = (context: VaultContext): Buffer =>
  Buffer.concat(
    FIELDS.flatMap((field) => {
      const bytes = Buffer.from(context[field], 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
