/**
 * How many upstream calls one request's entity references may run at once. A federation gateway
 * sends every reference of a query plan step in one `_entities` list; without a bound, a list of a
 * thousand keys would open a thousand requests against a vendor's rate limit.
 */
export const ENTITY_FETCH_CONCURRENCY = 8;

/**
 * Loads the entity references of one GraphQL request: the same key asked twice costs one upstream
 * call, and at most `concurrency` calls run at once. Built per request, so nothing is cached across
 * requests or callers.
 */
export class EntityLoader {
  private readonly loads = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly concurrency = ENTITY_FETCH_CONCURRENCY) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  /** `typename` and `key` name the entity; `fetch` is called at most once for them. */
  load<T>(typename: string, key: string | number, fetch: () => Promise<T>): Promise<T> {
    const id = `${typename}:${key}`;
    let load = this.loads.get(id) as Promise<T> | undefined;
    if (!load) {
      load = this.limited(fetch);
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
