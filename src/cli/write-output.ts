// Rendering and writing a command's output, the same way for every command: the format (--output;
// by default a table on a terminal and text otherwise), colour (on stdout only: files are read by
// other programs), redaction, and where it goes (stdout or --output-file, --report FORMAT=FILE,
// GitHub's job summary). Each output is rendered whole before it is written, so an error never
// leaves half a report on stdout or in a file.
import { statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { writeAtomically, type CliIo } from './io.js';
import { InputError } from '../model/errors.js';
import { resolveColor } from './output.js';
import { writeReports, type ReportTarget } from './reports.js';

export interface OutputFlags<F extends string> {
  output?: F | undefined;
  color?: boolean | undefined;
}

/** Renders the run's result in one format; `color` is false for anything but stdout. */
export type Render<F extends string> = (format: F, opts: { color: boolean }) => string | Promise<string>;

export interface Destinations<F extends string> {
  /** --output-file: the output goes to this file (atomically) instead of stdout. */
  outputFile?: { file: string; force: boolean } | undefined;
  /** --report FORMAT=FILE: more formats of the same result, each to its file. */
  reports?: readonly ReportTarget[] | undefined;
  /** In GitHub Actions ($GITHUB_STEP_SUMMARY set), this format is appended to the job summary. */
  jobSummary?: F | undefined;
}

export async function renderAndWrite<F extends string>(io: CliIo, flags: OutputFlags<F>, render: Render<F>, to: Destinations<F> = {}): Promise<void> {
  const format = flags.output ?? ((io.stdoutIsTTY ? 'table' : 'text') as F);
  // --redact: stdout is redacted as it is written (redact.ts wraps io); files are redacted here.
  const forFile = async (f: F): Promise<string> => {
    const text = await render(f, { color: false });
    return io.redactor !== undefined ? io.redactor.text(text) : text;
  };
  if (to.outputFile !== undefined) {
    await writeAtomically(to.outputFile.file, await forFile(format), { force: to.outputFile.force });
    io.stderr(`kms-why: wrote ${to.outputFile.file}\n`);
  } else io.stdout(await render(format, { color: resolveColor(flags.color, io) }));
  if (to.reports !== undefined) await writeReports(to.reports, (f) => forFile(f as F), io.stderr);
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (to.jobSummary !== undefined && summary !== undefined && summary !== '') await appendFile(summary, `${await forFile(to.jobSummary)}\n`, 'utf8');
}

/**
 * Refuses an output file (--output-file, --report FORMAT=FILE) that is one of the command's input
 * files (--from, --scp-file, --rcp-file, --message-file, --expect, diff's OLD and NEW): the report
 * would replace the data it was made from. Files are compared as the system knows them (device and
 * inode), so another path to the same file is caught too.
 */
export function refuseOutputOverInput(opts: Record<string, unknown>, args: readonly string[]): void {
  const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const outputs = [...list(opts.outputFile), ...list(opts.report).flatMap((r) => (r.indexOf('=') > 0 ? [r.slice(r.indexOf('=') + 1)] : []))];
  if (outputs.length === 0) return;
  const id = (f: string): string | undefined => {
    try {
      const st = statSync(f);
      return st.isFile() ? `${st.dev}:${st.ino}` : undefined;
    } catch {
      return undefined;
    }
  };
  const inputs = new Map<string, string>();
  for (const f of [...list(opts.from), ...list(opts.scpFile), ...list(opts.rcpFile), ...list(opts.messageFile), ...list(opts.expect), ...args]) {
    const k = id(f);
    if (k !== undefined) inputs.set(k, f);
  }
  for (const o of outputs) {
    const k = id(o);
    const input = k === undefined ? undefined : inputs.get(k);
    if (input !== undefined)
      throw new InputError(`${o} is also an input of this command${input === o ? '' : ` (${input})`}: the report would replace it`, {
        hint: 'Write the report to another file.',
      });
  }
}
