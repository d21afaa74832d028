// A hash table from pairs of non-negative 31-bit integers to non-negative integers, in a typed
// array (open addressing, linear probing). who-can keeps a key's class keys, signatures and
// shared answers in such tables while it answers the key: tens of thousands of entries that live
// for the whole key. In Maps (one per trie node, or keyed by numbers) they outlived the young
// generation and were copied by every scavenge on the way to the old one; a typed array's
// contents are outside the JavaScript heap, so the collector never copies them. A slot's pair and
// value sit side by side (16 bytes), so that a look-up reads one cache line, not three.
import { InternalError } from '../model/errors.js';

const EMPTY = -1;
/** Int32s per slot: x, y, value and one unused (a slot never straddles a cache line). */
const STRIDE = 4; // slot(x, y) << 2 below is slot * STRIDE

export class PairTable {
  private t: Int32Array;
  /** (slots - 1) * STRIDE: a hash masked by it is a slot's first index. */
  private mask: number;
  private filled = 0;

  /** `initial`: the first number of slots, a power of two. */
  constructor(initial = 1024) {
    if (initial < 2 || (initial & (initial - 1)) !== 0) throw new InternalError(`PairTable: ${initial} slots is not a power of two`);
    this.t = new Int32Array(initial * STRIDE).fill(EMPTY);
    this.mask = (initial - 1) * STRIDE;
  }

  get size(): number {
    return this.filled;
  }

  /** The value of (x, y), or -1. */
  get(x: number, y: number): number {
    const { t, mask } = this;
    let i = (slot(x, y) << 2) & mask;
    for (;;) {
      const k = t[i]!;
      if (k === EMPTY) return -1;
      if (k === x && t[i + 1] === y) return t[i + 2]!;
      i = (i + STRIDE) & mask;
    }
  }

  set(x: number, y: number, value: number): void {
    // Out of range would wrap silently in an Int32Array and collide with another pair.
    if (!(x >= 0 && x <= 0x7fffffff && y >= 0 && y <= 0x7fffffff && value >= 0 && value <= 0x7fffffff) || x % 1 !== 0 || y % 1 !== 0 || value % 1 !== 0)
      throw new InternalError(`PairTable: (${x}, ${y}) -> ${value} is not a pair of 31-bit integers to one`);
    if ((this.filled + 1) * 2 * STRIDE > this.t.length) this.grow();
    const { t, mask } = this;
    let i = (slot(x, y) << 2) & mask;
    for (;;) {
      const k = t[i]!;
      if (k === EMPTY) {
        t[i] = x;
        t[i + 1] = y;
        t[i + 2] = value;
        this.filled++;
        return;
      }
      if (k === x && t[i + 1] === y) {
        t[i + 2] = value;
        return;
      }
      i = (i + STRIDE) & mask;
    }
  }

  /** Empties the table, keeping its room: the next key needs about as much (growing again cost more than the memory kept). */
  clear(): void {
    this.t.fill(EMPTY);
    this.filled = 0;
  }

  private grow(): void {
    const old = this.t;
    this.t = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.t.length - STRIDE;
    this.filled = 0;
    for (let i = 0; i < old.length; i += STRIDE) if (old[i] !== EMPTY) this.set(old[i]!, old[i + 1]!, old[i + 2]!);
  }
}

/** A well-mixed hash of the pair (murmur3's finalizer over both). */
function slot(x: number, y: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ y;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
