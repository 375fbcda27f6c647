import type { ConnectContext, Connector } from './connector';
import { connectorFor } from './kinds';
import type { ParsedConnection } from './parse-connection';

type Rest<F> = F extends (config: never, ...rest: infer R) => infer Out ? (...rest: R) => Out : never;

/**
 * A connector with one connection's driver settings bound in: what the runner holds for a run or a
 * test, so no code outside the connector handles a driver's settings or knows their shape.
 */
export type BoundConnector = {
  declaration: Connector['declaration'];
  test: Rest<Connector['test']>;
  introspect: Rest<Connector['introspect']>;
  stream: Rest<Connector['stream']>;
  /** Absent where the connector has none (see Connector.streamText); `stream` then. */
  streamText?: Rest<NonNullable<Connector['streamText']>>;
  cancel: Rest<Connector['cancel']>;
  cancelSession: Rest<Connector['cancelSession']>;
};

export function bindConnector<Config>(connector: Connector<Config>, config: Config): BoundConnector {
  return {
    declaration: connector.declaration,
    test: (context) => connector.test(config, context),
    introspect: (filter, context) => connector.introspect(config, filter, context),
    stream: (request, context) => connector.stream(config, request, context),
    ...(connector.streamText
      ? {
          streamText: (request: Parameters<Connector['stream']>[1], context: ConnectContext) =>
            connector.streamText?.(config, request, context) ?? connector.stream(config, request, context),
        }
      : {}),
    cancel: (tag, context) => connector.cancel(config, tag, context),
    cancelSession: (key, context) => connector.cancelSession(config, key, context),
  };
}

/** The connector of a parsed connection (its kind is registered: parseConnection checked it). */
export function connectorOf(parsed: ParsedConnection): BoundConnector {
  const connector = connectorFor(parsed.kind.kind);
  if (!connector) throw new Error(`no connector registered for ${parsed.kind.kind}`);
  return bindConnector(connector, connector.configFrom(parsed.settings, parsed.secrets));
}
