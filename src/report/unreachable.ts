/**
 * The default of an exhaustive switch over a closed union of kinds: `x` has type never there, so a
 * kind added to the union without a case fails to compile; reached at run time, it is our bug.
 */
export function unreachable(x: never): never {
  throw new Error(`unhandled kind: ${JSON.stringify(x)}`);
}
