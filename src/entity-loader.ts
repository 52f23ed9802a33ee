import type { Context } from './context.js';
import type { CallBudget, RequestTrace } from './trace/request-trace.js';

/**
 * How many upstream calls one request's entity references may run at once. A federation gateway
 * sends every reference of a query plan step in one `_entities` list; without a bound, a list of a
 * thousand keys would open a thousand requests against a vendor's rate limit.
 */
export const ENTITY_FETCH_CONCURRENCY = 8;

/**
 * Loads the entity references of one GraphQL request: the same key asked twice costs one upstream
 * call, and at most `concurrency` calls run at once. Built per request, so nothing is cached across
 * requests or callers. The calls count against the entity references' own budget
 * (GATEWAY_MAX_ENTITIES), not the operation's: a router resolving a hundred teams' clients in one
 * `_entities` request is one root field, not a hundred.
 */
export class EntityLoader {
  private readonly loads = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private scoped?: Context;

  /** `scope` gives the request's context with `calls` set to the entity budget; asked once, at the first load. */
  constructor(
    private readonly scope: () => Context,
    private readonly concurrency = ENTITY_FETCH_CONCURRENCY,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  /** `typename` and `key` name the entity; `fetch` is called at most once for them, with the context its calls go through. */
  load<T>(typename: string, key: string | number, fetch: (scoped: Context) => Promise<T>): Promise<T> {
    const id = `${typename}:${key}`;
    let load = this.loads.get(id) as Promise<T> | undefined;
    if (!load) {
      this.scoped ??= this.scope();
      const scoped = this.scoped;
      load = this.limited(() => fetch(scoped));
      this.loads.set(id, load);
    }
    return load;
  }

  private async limited<T>(fetch: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    // A finishing call hands its slot straight to the next one, so `running` never overshoots.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fetch();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** The budget of one request's entity references: GATEWAY_MAX_ENTITIES upstream calls. */
export function entityBudget(trace: RequestTrace, max: number): CallBudget {
  return trace.budget(
    { name: 'entities', max },
    (call) =>
      `This operation fetched its limit of ${max} entity references (GATEWAY_MAX_ENTITIES); ${call.operation} was not sent to ${call.service}.`,
  );
}
