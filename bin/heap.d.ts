// Types for bin/heap.js (plain JavaScript, run before anything is built or loaded).
export const FLOOR_MB: number;
export const MB_PER_SNAPSHOT_MB: number;
export const MB_PER_REPORT_MB: number;
export const RELAUNCH_FROM_MB: number;
export const SEMI_SPACE_MB: number;
export const SEMI_SPACE_FROM_MB: number;
export function userSetHeap(env: Record<string, string | undefined>, execArgv: readonly string[]): boolean;
export function inputFiles(command: 'who-can' | 'diff', args: readonly string[]): string[];
export function heapLimitMb(
  command: 'who-can' | 'diff',
  args: readonly string[],
  env: Record<string, string | undefined>,
  execArgv: readonly string[],
): number | undefined;
export function semiSpaceMb(
  command: 'who-can' | 'diff',
  args: readonly string[],
  env: Record<string, string | undefined>,
  execArgv: readonly string[],
): number | undefined;
export const CHILD_MARK: string;
export function userHeapMb(env: Record<string, string | undefined>, execArgv: readonly string[]): number | undefined;
export function relaunch(script: string, args: readonly string[], limitMb: number | undefined, command: string, userMb?: number, semiMb?: number): void;
