/**
 * At most `max` requests in flight to one origin; the others wait in arrival order, each only until
 * its own deadline. undici's pool would queue them too, but a request in its queue can only be
 * dropped by destroying the connection it is finally given, and its caller hears nothing until then;
 * here a request whose time is up leaves the queue at once, unsent, and the connections stay warm.
 */
export class Admission {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  /** Requests waiting for a place now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once the request may go, or with undefined when `by` (epoch
   * ms) passes first. The release must be called exactly once when the request is done.
   */
  enter(by: number, now: () => number = Date.now): Promise<(() => void) | undefined> {
    if (this.inFlight < this.max && this.waiting.length === 0) {
      this.inFlight += 1;
      return Promise.resolve(this.releaser());
    }
    const wait = by - now();
    if (wait <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          resolve(this.releaser());
        },
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at !== -1) this.waiting.splice(at, 1);
          resolve(undefined);
        }, wait),
      };
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The place goes straight to the next waiter, so `inFlight` never overshoots.
      const next = this.waiting.shift();
      if (next) next.admit();
      else this.inFlight -= 1;
    };
  }
}

interface Waiter {
  admit(): void;
  timer: ReturnType<typeof setTimeout>;
}
