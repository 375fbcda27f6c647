import type { InputConfig, InputType } from '@quarry/contracts';

export const INPUT_TYPE_LABELS: Record<InputType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  date_range: 'Date range',
  select: 'Select',
};

/** A new input of a type, keeping what still fits of the old one's default. */
export function inputOfType(type: InputType, previous: InputConfig): InputConfig {
  switch (type) {
    case 'text':
      return { type, default: typeof previous.default === 'string' ? previous.default : '' };
    case 'number':
      return { type, default: null };
    case 'date':
      return { type, default: null };
    case 'date_range':
      return { type, default: null };
    case 'select':
      return { type, options: { from: 'list', values: [] }, default: null };
  }
}
