/** A run of a name, marked when it is part of what the search asked for. */
export type HighlightSegment = { text: string; match: boolean };

/**
 * A name split into runs around every case-insensitive occurrence of the query, for `<mark>`s.
 * Lower-casing that changes a string's length (`İ` → `i̇`) would shift every offset, so such a name
 * is shown unmarked rather than marked in the wrong place.
 */
export function highlightMatches(text: string, query: string): HighlightSegment[] {
  const needle = query.trim().toLowerCase();
  const haystack = text.toLowerCase();
  if (!needle || haystack.length !== text.length) return text ? [{ text, match: false }] : [];
  const segments: HighlightSegment[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) segments.push({ text: text.slice(from, at), match: false });
    segments.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length) segments.push({ text: text.slice(from), match: false });
  return segments;
}
