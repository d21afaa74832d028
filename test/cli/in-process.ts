// The CLI run in this process (main() with an io that keeps what it writes): for tests that read
// many outputs, where a subprocess per run would cost more than the run.
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** An io that keeps stdout and stderr (neither a terminal; no environment but `env`). */
export function captureIo(env: Record<string, string> = {}): { io: CliIo; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  return { io, out: () => stdout, err: () => stderr };
}

/** `kms-why ARGV` through main() (with these environment variables): its exit code and what it wrote. */
export async function runMain(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo(env);
  const code = await main(argv, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}
