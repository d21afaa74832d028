// How a command module hands its exit code to main.ts, the single place that decides it (and the
// only one that exits): each action returns the code, and `run` (from main.ts) keeps it for main()
// to return. Errors are thrown, and main() turns them into a message and a code (errors.ts).
import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** Wraps an action that returns its exit code (EXIT in errors.ts) into one commander can call. */
export type Run = <A extends unknown[]>(action: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** What each command module exports: adds its command(s) to the program. */
export type AddCommand = (program: Command, io: CliIo, run: Run) => void;
