import type { GraphCell } from '../graph';

type Spec =
  | { kind: 'input'; name: string }
  | { kind: 'sql'; name: string; connectionId: string | null; source: string }
  | { kind: 'js' | 'markdown'; name: string; source: string };

/** Cells in the order given, each cell's id its name, text inputs without a default. */
export function cellsOf(specs: readonly Spec[]): GraphCell[] {
  return specs.map((spec, position): GraphCell => {
    const header = { id: spec.name, name: spec.name, position };
    switch (spec.kind) {
      case 'input':
        return { ...header, kind: 'input', input: { type: 'text', default: '' } };
      case 'sql':
        return { ...header, kind: 'sql', connectionId: spec.connectionId, source: spec.source };
      default:
        return { ...header, kind: spec.kind, source: spec.source };
    }
  });
}
