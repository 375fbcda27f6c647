/** A JS cell's value (JSON text) laid out for reading; text that is not JSON is shown as it came. */
export function formatJsonValue(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** What a JS cell returned when it was not a table. */
export function RunValue({ json }: { json: string }) {
  return (
    <figure className="run-value">
      <figcaption className="muted small">Value</figcaption>
      <pre data-testid="run-value">{formatJsonValue(json)}</pre>
    </figure>
  );
}
