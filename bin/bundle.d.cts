// Types for bin/bundle.cjs (plain JavaScript, run before anything is built or loaded).
export function bundleLoader(
  dir: string,
  cacheDir: string | undefined,
  label: string,
): { require: <T = Record<string, unknown>>(file: string) => T; save: () => void };
