import { rename, writeFile } from 'node:fs/promises';
// What the CLI touches of the process, injectable so tests can run main() in-process too.
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** With --redact: the one Redactor every output and input of the run goes through (src/cli/redact.ts). */
  redactor?: import('../report/redact.js').Redactor;
}

export function processIo(): CliIo {
  // A reader that stops early (`kms-why … | head`) is not an error: stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** Writes a file whole or not at all: a temporary file beside it, renamed into place. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.kms-why-${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, file);
}
