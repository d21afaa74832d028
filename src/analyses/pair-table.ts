// A hash table from pairs of non-negative 31-bit integers to non-negative integers, in typed
// arrays (open addressing, linear probing). who-can keeps a key's class keys, signatures and
// shared answers in such tables while it answers the key: tens of thousands of entries that live
// for the whole key. In Maps (one per trie node, or keyed by numbers) they outlived the young
// generation and were copied by every scavenge on the way to the old one; a typed array's
// contents are outside the JavaScript heap, so the collector never copies them.
import { InternalError } from '../model/errors.js';

const EMPTY = -1;

export class PairTable {
  private a: Int32Array;
  private b: Int32Array;
  private v: Int32Array;
  private mask: number;
  private filled = 0;

  /** `initial`: the first number of slots, a power of two. */
  constructor(initial = 1024) {
    if (initial < 2 || (initial & (initial - 1)) !== 0) throw new InternalError(`PairTable: ${initial} slots is not a power of two`);
    this.a = new Int32Array(initial).fill(EMPTY);
    this.b = new Int32Array(initial);
    this.v = new Int32Array(initial);
    this.mask = initial - 1;
  }

  get size(): number {
    return this.filled;
  }

  /** The value of (x, y), or -1. */
  get(x: number, y: number): number {
    const { a, b, mask } = this;
    let i = slot(x, y) & mask;
    for (;;) {
      const k = a[i]!;
      if (k === EMPTY) return -1;
      if (k === x && b[i] === y) return this.v[i]!;
      i = (i + 1) & mask;
    }
  }

  set(x: number, y: number, value: number): void {
    // Out of range would wrap silently in an Int32Array and collide with another pair.
    if (!(x >= 0 && x <= 0x7fffffff && y >= 0 && y <= 0x7fffffff && value >= 0 && value <= 0x7fffffff) || x % 1 !== 0 || y % 1 !== 0 || value % 1 !== 0)
      throw new InternalError(`PairTable: (${x}, ${y}) -> ${value} is not a pair of 31-bit integers to one`);
    if ((this.filled + 1) * 2 > this.a.length) this.grow();
    const { a, b, mask } = this;
    let i = slot(x, y) & mask;
    for (;;) {
      const k = a[i]!;
      if (k === EMPTY) {
        a[i] = x;
        b[i] = y;
        this.v[i] = value;
        this.filled++;
        return;
      }
      if (k === x && b[i] === y) {
        this.v[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Empties the table, keeping its room: the next key needs about as much (growing again cost more than the memory kept). */
  clear(): void {
    this.a.fill(EMPTY);
    this.filled = 0;
  }

  private grow(): void {
    const { a, b, v } = this;
    const size = a.length * 2;
    this.a = new Int32Array(size).fill(EMPTY);
    this.b = new Int32Array(size);
    this.v = new Int32Array(size);
    this.mask = size - 1;
    this.filled = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== EMPTY) this.set(a[i]!, b[i]!, v[i]!);
  }
}

/** A well-mixed hash of the pair (murmur3's finalizer over both). */
function slot(x: number, y: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ y;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
