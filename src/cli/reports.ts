// `--report FORMAT=FILE` (repeatable): several outputs of one run, e.g. SARIF for code scanning and
// Markdown for a job summary, while stdout carries the --output format (GitHub annotations).
import { relative, resolve, sep } from 'node:path';
import { InputError } from '../model/errors.js';
import { writeAtomically } from './io.js';

export interface ReportTarget {
  format: string;
  file: string;
}

export function parseReportFlags(values: readonly string[] | undefined, formats: readonly string[]): ReportTarget[] {
  const out: ReportTarget[] = [];
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    const format = eq > 0 ? v.slice(0, eq) : '';
    const file = eq > 0 ? v.slice(eq + 1) : '';
    if (!formats.includes(format) || file === '') {
      throw new InputError(`--report "${v}" is not FORMAT=FILE`, {
        hint: `FORMAT is one of ${formats.join(', ')}; for example --report sarif=kms-grants.sarif.`,
      });
    }
    if (file === '-') throw new InputError(`--report ${format}=- : stdout carries the --output format; name a file`);
    const same = out.find((r) => resolve(r.file) === resolve(file));
    if (same !== undefined) throw new InputError(`--report names ${file} twice (${same.format} and ${format})`);
    out.push({ format, file });
  }
  return out;
}

/** Renders and writes every report; each file is written whole or not at all. */
export async function writeReports(
  targets: readonly ReportTarget[],
  render: (format: string) => Promise<string | Iterable<string>>,
  stderr: (t: string) => void,
): Promise<void> {
  for (const t of targets) {
    await writeAtomically(t.file, await render(t.format));
    stderr(`kms-why: wrote the ${t.format} report to ${t.file}\n`);
  }
}

/** A path as SARIF wants it: relative to the working directory (the repository root in CI), with forward slashes. */
export function artifactUri(file: string): string {
  return relative(process.cwd(), resolve(file)).split(sep).join('/');
}
