import type { QuarryError } from '@quarry/contracts';

/** `{{name}}` or a JS identifier that names no input or cell the reader may read. */
export const unknownReference = (name: string, hint?: string): QuarryError => ({
  code: 'notebook.unknown_reference',
  message: `Nothing named '${name}' is above this cell`,
  hint: hint ?? 'Add an input or cell of that name above this cell, or correct the name',
  details: { name },
});

/** A cell reads a cell below it. */
export const forwardReference = (reader: string, read: string): QuarryError => ({
  code: 'notebook.forward_reference',
  message: `The cell '${reader}' reads '${read}', which is below it`,
  hint: `Move '${read}' above '${reader}', or stop reading it there`,
  details: { cell: reader, name: read },
});
