import type {
  Completion,
  CompletionContext,
  CompletionResult,
  CompletionSource,
} from '@codemirror/autocomplete';
import type { SchemaSearchHit } from '@quarry/contracts';

/** Looks names up in a connection's schema (the data browser's search). */
export type SchemaLookup = (word: string) => Promise<readonly SchemaSearchHit[]>;

const WORD = /[\w$]+/;

/** A table or a column found by the schema search, as a completion: tables first, each name once. */
export function schemaCompletions(hits: readonly SchemaSearchHit[]): Completion[] {
  const seen = new Map<string, Completion>();
  for (const hit of hits) {
    if (hit.type === 'table' && hit.table) {
      const key = `table:${hit.table}`;
      if (!seen.has(key)) {
        seen.set(key, {
          label: hit.table,
          type: hit.tableKind === 'view' || hit.tableKind === 'materialized_view' ? 'interface' : 'class',
          detail: hit.schema ?? hit.database,
          boost: 1,
        });
      }
    } else if (hit.type === 'column' && hit.column) {
      const key = `column:${hit.column}`;
      const existing = seen.get(key);
      if (existing) {
        existing.detail = 'in several tables';
      } else {
        seen.set(key, {
          label: hit.column,
          type: 'property',
          detail: `${hit.table ?? ''} · ${hit.dbType ?? ''}`,
        });
      }
    }
  }
  return [...seen.values()];
}

/**
 * Completes table and column names from the connection's schema as refreshed in the data browser,
 * from the second character of a word (or at once on Ctrl+Space). The dialect's keywords still come
 * from the SQL language; these are added to them.
 */
export function schemaCompletionSource(lookup: SchemaLookup): CompletionSource {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const word = context.matchBefore(WORD);
    if (!word || (word.to - word.from < 2 && !context.explicit)) return null;
    if (word.from === word.to) return null;
    let hits: readonly SchemaSearchHit[];
    try {
      hits = await lookup(word.text);
    } catch {
      // No schema yet, or no access to it: keywords alone, no error in the middle of typing.
      return null;
    }
    if (context.aborted) return null;
    return { from: word.from, options: schemaCompletions(hits), validFor: /^[\w$]*$/ };
  };
}
