/** A small busy indicator; the surrounding control says what is busy. */
export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}
