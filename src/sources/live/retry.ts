// Adaptive retries for a short burst of calls.
//
// The SDK's own adaptive mode (retryMode 'adaptive') is meant for long-lived clients: it measures
// the send rate in half-second buckets, and a throttle that comes before the first bucket has
// closed (which is always the case for kms-why, whose reads all happen within a second of the
// client's creation) sets the client's rate to its floor of 0.5 requests a second. One throttled
// call then delays every later call of that client by two seconds each.
//
// This strategy keeps the SDK's standard behaviour (a retry quota of 500, retry costs, full-jitter
// exponential backoff from 50 ms, or 1 s for throttling, Retry-After hints) and its adaptive idea
// (after a throttle, send more slowly, then speed up again), with the rate measured over the last
// second and a floor that suits a burst of a few dozen calls.

export interface RetryErrorInfoLike {
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

class Token {
  constructor(
    private readonly count: number,
    private readonly cost: number | undefined,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return 0; // the strategy has waited already
  }
  getRetryCost(): number | undefined {
    return this.cost;
  }
}

const INITIAL_CAPACITY = 500;
const MAX_DELAY_MS = 20_000;

/** Client-side rate limiting once AWS has throttled: AIMD on a token bucket. */
class SendRate {
  private readonly sends: number[] = [];
  /** Allowed sends per second; Infinity while nothing was throttled. */
  private rate = Infinity;
  private tokens = 0;
  private last = 0;
  private throttledAt = 0;

  constructor(private readonly floor: number) {}

  private recent(now: number): number {
    while (this.sends.length > 0 && this.sends[0]! <= now - 1000) this.sends.shift();
    return this.sends.length;
  }

  private refill(now: number): void {
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  async acquire(): Promise<void> {
    let now = Date.now();
    if (this.rate !== Infinity && now - this.throttledAt > 2000) this.rate = Infinity;
    if (this.rate !== Infinity) {
      this.refill(now);
      while (this.tokens < 1) {
        await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
        now = Date.now();
        this.refill(now);
      }
      this.tokens -= 1;
    }
    this.sends.push(now);
    this.recent(now);
  }

  update(throttled: boolean): void {
    const now = Date.now();
    if (throttled) {
      const measured = Math.max(1, this.recent(now));
      if (this.rate === Infinity) {
        this.tokens = 0;
        this.last = now;
      } else this.refill(now);
      this.rate = Math.max(this.floor, Math.min(this.rate, measured) * 0.7);
      this.tokens = Math.min(this.tokens, Math.max(1, this.rate));
      this.throttledAt = now;
    } else if (this.rate !== Infinity) {
      this.refill(now);
      this.rate *= 1.1;
    }
  }
}

/** A RetryStrategyV2 (structurally: the SDK calls these three methods). */
export class BurstAdaptiveRetryStrategy {
  readonly mode = 'adaptive';
  private capacity = INITIAL_CAPACITY;
  private readonly limiter: SendRate;

  constructor(
    private readonly maxAttempts: number,
    /** The slowest the client is made to send after a throttle, in requests per second. */
    floor: number,
  ) {
    this.limiter = new SendRate(floor);
  }

  async acquireInitialRetryToken(_scope: string): Promise<Token> {
    await this.limiter.acquire();
    return new Token(0, undefined);
  }

  async refreshRetryTokenForRetry(token: Token, info: RetryErrorInfoLike): Promise<Token> {
    const throttled = info.errorType === 'THROTTLING';
    this.limiter.update(throttled);
    const retryable = throttled || info.errorType === 'TRANSIENT';
    const cost = throttled ? 5 : 14;
    if (!retryable || token.getRetryCount() + 1 >= this.maxAttempts || this.capacity < cost) throw new Error('No retry token available');
    this.capacity -= cost;
    const base = throttled ? 1000 : 50;
    let delay = Math.floor(Math.random() * Math.min(base * 2 ** token.getRetryCount(), MAX_DELAY_MS));
    if (info.retryAfterHint instanceof Date) delay = Math.max(delay, Math.min(info.retryAfterHint.getTime() - Date.now(), delay + 5000));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    await this.limiter.acquire();
    return new Token(token.getRetryCount() + 1, cost);
  }

  recordSuccess(token: Token): void {
    this.limiter.update(false);
    this.capacity = Math.min(INITIAL_CAPACITY, this.capacity + (token.getRetryCost() ?? 1));
  }
}
