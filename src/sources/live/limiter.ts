// A bounded pool for AWS calls: at most `size` in flight, the rest queued by priority (higher
// first, then in order of arrival). Calls that start a longer chain of dependent reads (GetPolicy
// before its GetPolicyVersion, a page of grants before the next) get a higher priority, so that
// the chain is not kept waiting behind leaves.

export class Limiter {
  private active = 0;
  private seq = 0;
  private readonly queue: Array<{ priority: number; seq: number; start: () => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`concurrency must be a positive integer, got ${size}`);
  }

  run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.next();
          });
      };
      if (this.active < this.size) start();
      else {
        this.queue.push({ priority, seq: this.seq++, start });
        this.queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      }
    });
  }

  private next(): void {
    if (this.active >= this.size) return;
    this.queue.shift()?.start();
  }
}
