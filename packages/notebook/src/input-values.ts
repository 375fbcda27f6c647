import {
  DateRangeValue,
  err,
  type InputCell,
  type InputConfig,
  type InputValue,
  IsoDate,
  ok,
  type QuarryError,
  type Result,
} from '@quarry/contracts';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const MAX_NAME_SHOWN = 63;

const invalid = (input: string, message: string, hint: string): QuarryError => ({
  code: 'notebook.invalid_input',
  message,
  hint,
  details: { input: input.slice(0, MAX_NAME_SHOWN) },
});

/**
 * Checks one value against its input's type and applies the default for a value left out or null:
 * text is any text; a number its decimal text (`42`, `-1.5`); a date `YYYY-MM-DD`; a date range
 * `{ start, end }` with start ≤ end; a select one of its listed options (options read from a cell
 * cannot be checked here, so any text passes, bound like every value). The result may be null: the
 * input is not set and has no default, and SQL reads it as NULL.
 */
export function resolveInputValue(
  name: string,
  config: InputConfig,
  given: InputValue | undefined,
): Result<InputValue> {
  if (given === undefined || given === null) return ok(config.default ?? null);
  switch (config.type) {
    case 'text':
      if (typeof given !== 'string')
        return err(invalid(name, `The input '${name}' takes text`, 'Enter text'));
      return ok(given);
    case 'number':
      if (typeof given !== 'string' || !DECIMAL.test(given) || given.length > 100) {
        return err(invalid(name, `The input '${name}' takes a number`, 'Write a number such as 42 or -1.5'));
      }
      return ok(given);
    case 'date':
      if (typeof given !== 'string' || !IsoDate.safeParse(given).success) {
        return err(invalid(name, `The input '${name}' takes a date`, 'Write a date as YYYY-MM-DD'));
      }
      return ok(given);
    case 'date_range': {
      const parsed = DateRangeValue.safeParse(given);
      if (!parsed.success) {
        return err(
          invalid(
            name,
            `The input '${name}' takes a date range`,
            'Give a start and an end as YYYY-MM-DD, the start on or before the end',
          ),
        );
      }
      return ok(parsed.data);
    }
    case 'select': {
      if (typeof given !== 'string') {
        return err(invalid(name, `The input '${name}' takes one of its options`, 'Pick one of the options'));
      }
      if (config.options.from === 'list' && !config.options.values.includes(given)) {
        return err(
          invalid(name, `'${given.slice(0, 100)}' is not an option of '${name}'`, 'Pick one of the options'),
        );
      }
      return ok(given);
    }
  }
}

/**
 * The values of a notebook's inputs for a run, by name, defaults applied. A value for a name that
 * is no input of the notebook is refused (`notebook.invalid_input` naming it) rather than ignored,
 * so a stale or mistyped name says so instead of running with the default.
 */
export function resolveInputs(
  inputs: readonly Pick<InputCell, 'name' | 'input'>[],
  given: Readonly<Record<string, InputValue>>,
): Result<Record<string, InputValue>> {
  const known = new Map(inputs.map((cell) => [cell.name, cell.input]));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      return err(
        invalid(
          name,
          `This notebook has no input named '${name.slice(0, MAX_NAME_SHOWN)}'`,
          'Reload the notebook and run it again',
        ),
      );
    }
  }
  const resolved: Array<[string, InputValue]> = [];
  for (const [name, config] of known) {
    const value = resolveInputValue(name, config, Object.hasOwn(given, name) ? given[name] : undefined);
    if (!value.ok) return value;
    resolved.push([name, value.value]);
  }
  // Own properties only, whatever the names (`__proto__` is a valid cell name).
  return ok(Object.fromEntries(resolved));
}
