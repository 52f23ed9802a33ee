/**
 * Group commit: the items several requests write at about the same time leave in one statement, so a
 * busy gateway pays one round trip, one statement and one commit for many writes. An item is sent at
 * once when no batch is in flight (no added latency when idle); otherwise it waits for the batch in
 * flight, at most, and leaves in the next one with every item that came meanwhile.
 */
export interface GroupCommitOptions<T> {
  /** Writes the items in one statement; each one's promise settles with it. */
  flush(items: readonly T[]): Promise<void>;
  /**
   * Whether this failure may belong to one item rather than the store (bad data, a constraint): each
   * item of the batch is then written on its own, so one request's item cannot fail another's.
   */
  isolate(error: unknown): boolean;
  /** Batches in flight at once. */
  inFlight: number;
  /** Items in one batch. */
  maxBatch: number;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private flying = 0;
  private scheduled = false;

  constructor(private readonly options: GroupCommitOptions<T>) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // The items written in this turn of the event loop join the same batch.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.flying < this.options.inFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.flying++;
      void this.send(batch).finally(() => {
        this.flying--;
        this.pump();
      });
    }
  }

  private async send(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.options.flush(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
    } catch (error) {
      if (batch.length === 1 || !this.options.isolate(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      await Promise.all(
        batch.map((w) =>
          this.options.flush([w.item]).then(
            () => w.resolve(),
            (own: unknown) => w.reject(own),
          ),
        ),
      );
    }
  }
}
