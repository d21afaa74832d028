// Maps keyed by input: an encryption-context key, a tag key or a condition key named `__proto__`,
// `constructor` or `toString` is an ordinary key. A plain `{}` would turn `out["__proto__"] = v`
// into a prototype change (the pair silently vanishes) and answer `"constructor" in out` with
// true; an object without a prototype has neither problem and still prints and serialises as JSON.

/** An empty object without a prototype, for input keys. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free copy of `entries` (later entries win, as in Object.fromEntries). */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = dict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Whether `key` is an own member of `obj` (never an inherited one such as `constructor`). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.hasOwn(obj, key);
}
