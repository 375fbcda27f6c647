import { observe } from './leak-scan';
import { textForScan } from './serialize';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value !== null && typeof value === 'object' && Symbol.asyncIterator in value;

/**
 * A tRPC caller (createCaller's proxy) whose every output, subscription event and thrown error is
 * handed to the leak scan as `response:<procedure path>`, exactly as the client would get it.
 * Inputs are not observed: a test may send a secret; the product must not send it back.
 */
export function observeCaller<T extends object>(caller: T): T {
  const where = (path: string[]) => `response:${path.join('.')}`;
  const seeError = (error: unknown, path: string[]) => observe(textForScan(error), where(path));
  const seeValue = (value: unknown, path: string[]): unknown => {
    if (!isAsyncIterable(value)) {
      observe(textForScan(value), where(path));
      return value;
    }
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of value) {
          observe(textForScan(event), where(path));
          yield event;
        }
      },
    };
  };
  const wrap = (target: object, path: string[]): unknown =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        // `then` keeps an awaited caller from looking like a promise; symbols are not procedures.
        if (typeof property === 'symbol' || property === 'then') return value;
        if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
        return wrap(value, [...path, property]);
      },
      apply(fn, thisArg, args) {
        let result: unknown;
        try {
          result = Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args);
        } catch (error) {
          seeError(error, path);
          throw error;
        }
        if (!isThenable(result)) return seeValue(result, path);
        return Promise.resolve(result).then(
          (value) => seeValue(value, path),
          (error: unknown) => {
            seeError(error, path);
            throw error;
          },
        );
      },
    });
  return wrap(caller, []) as T;
}
