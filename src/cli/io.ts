import { randomBytes } from 'node:crypto';
import { constants, fstatSync, statSync, unlinkSync, writeSync as fsWriteSync } from 'node:fs';
import { lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../model/errors.js';
// What the CLI touches of the process, injectable so tests can run main() in-process too.
export interface CliIo {
  stdout: (text: string) => void;
  /**
   * Writes text that is already free of control characters by construction (JSON built from
   * escaped pieces, see report/who-can.ts), skipping stdout's last pass over the whole text.
   * main() sets it; without it, callers use stdout.
   */
  stdoutEscaped?: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  /** The terminal's width, when stdout is one. */
  stdoutColumns?: number;
  stderrIsTTY: boolean;
  /** Resolves when stdout has taken what was written (backpressure for long streamed reports). */
  drain?: () => Promise<void>;
  /** With --redact: the one Redactor every output and input of the run goes through (src/cli/redact.ts). */
  redactor?: import('../report/redact.js').Redactor;
  /**
   * The exit code of what a streamed report has answered so far (who-can: 3 once an answer is
   * unknown): the code a run whose reader stops early (`| head`) ends with, before the command
   * has returned its own.
   */
  exitSoFar?: (code: number) => void;
}

/**
 * Writes to file descriptor 1 or 2. Node's process.stdout and process.stderr load its whole stream
 * stack on first use (and its net module for a pipe or a terminal): ≈ 4 ms of a ≈ 45 ms cold start.
 * A regular file, a pipe, a socket or /dev/null is written to directly, with fs.writeSync: Node
 * itself writes to files and, on Linux, to pipes synchronously. A terminal or any other device,
 * Windows, and whatever a direct write fails on (a pipe left non-blocking by the process that made
 * it: EAGAIN; a closed reader; a full disk) go through Node's stream from then on, which reports
 * the error as it always did (processIo) and keeps the order of what was written.
 */
export class FdOutput {
  private direct: boolean;
  private made: NodeJS.WriteStream | undefined;
  readonly isTTY: boolean;

  constructor(
    private readonly fd: 1 | 2,
    private readonly makeStream: () => NodeJS.WriteStream,
    private readonly writeSync: (fd: number, b: Uint8Array, offset: number, length: number) => number = fsWriteSync,
    kind: 'direct' | 'other' = process.platform === 'win32' ? 'other' : fdKind(fd),
  ) {
    this.direct = kind === 'direct';
    // Only a character device can be a terminal; the stream tells which.
    this.isTTY = kind === 'other' && this.stream().isTTY === true;
  }

  stream(): NodeJS.WriteStream {
    this.made ??= this.makeStream();
    return this.made;
  }

  /** Whether the stream exists and holds more than its high-water mark (direct writes have returned when written). */
  get needsDrain(): boolean {
    return this.made?.writableNeedDrain === true;
  }

  write(text: string): void {
    if (!this.direct) {
      this.stream().write(text);
      return;
    }
    const buf = this.scratch.encode(text);
    let off = 0;
    try {
      while (off < buf.length) off += this.writeSync(this.fd, buf, off, buf.length - off);
    } catch {
      // No direct write follows (the scratch buffer is not written again): the stream may keep the rest as it is.
      this.direct = false;
      this.stream().write(buf.subarray(off));
    }
  }
  private readonly scratch = new Utf8Scratch();
}

/** The size of Utf8Scratch's buffer: pieces up to a third of it are encoded there. */
const SCRATCH_BYTES = 256 * 1024;

/**
 * UTF-8 encoding into one buffer kept for every piece: a report is written in pieces of 64 KiB,
 * and a new buffer for each (an allocation outside the heap, which V8 counts towards collecting)
 * cost who-can --output jsonl of 1.3 GB about an eighth of its time. The bytes given are good
 * until the next encode. A UTF-16 code unit takes at most 3 bytes of UTF-8.
 */
class Utf8Scratch {
  private buf: Buffer | undefined;

  encode(text: string): Buffer {
    if (text.length * 3 > SCRATCH_BYTES) return Buffer.from(text, 'utf8');
    this.buf ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
    return this.buf.subarray(0, this.buf.write(text, 0, 'utf8'));
  }
}

/** 'direct' for a regular file, a pipe, a socket or /dev/null (never a terminal); 'other' for anything else. */
function fdKind(fd: number): 'direct' | 'other' {
  try {
    const st = fstatSync(fd);
    if (st.isFile() || st.isFIFO() || st.isSocket()) return 'direct';
    if (st.isCharacterDevice() && st.rdev === statSync('/dev/null').rdev) return 'direct';
  } catch {}
  return 'other';
}

export function processIo(): CliIo {
  let soFar: number | undefined;
  const out = new FdOutput(1, () => {
    // A reader that stops early (`kms-why … | head`) is not an error: stop quietly, as Unix tools
    // do, with the exit code of the answer (of what was answered so far, for a streamed report).
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? soFar ?? 0);
      // Anything else (a full disk: `> /dev/full` gives ENOSPC) means the report was not delivered:
      // one line on stderr and exit 2, never 1, which a CI job would read as "denied".
      process.stderr.write(`kms-why: error: cannot write the output to stdout: ${e.code ?? e.message}\n`);
      process.exit(2);
    });
    return process.stdout;
  });
  const err = new FdOutput(2, () => process.stderr);
  return {
    stdout: (t) => out.write(t),
    stderr: (t) => err.write(t),
    exitSoFar: (code) => {
      soFar = code;
    },
    env: process.env,
    stdoutIsTTY: out.isTTY,
    ...(out.isTTY && typeof out.stream().columns === 'number' ? { stdoutColumns: out.stream().columns } : {}),
    // Under bin/heap.js's relaunch, stderr is a pipe to the parent, which says whether a terminal is behind it.
    stderrIsTTY: err.isTTY || process.env.KMS_WHY_STDERR_TTY === '1',
    drain: () => (out.needsDrain ? new Promise<void>((resolve) => out.stream().once('drain', () => resolve())) : Promise.resolve()),
  };
}

/**
 * Writes a file whole or not at all: a temporary file created exclusively (O_EXCL, a random name,
 * in the same directory so that the rename stays on one file system, with the mode of the file it
 * replaces or 0600), flushed to disk, then renamed into place. It refuses to replace anything that
 * is not a regular file (a device such as /dev/null, a FIFO, a directory) and, unless `force`, a
 * symbolic link (which could point anywhere). Every failure is the user's to fix (exit 2), naming
 * the path and the reason; the temporary file never stays behind.
 */
/** `text` may come in pieces (a long report is never one string). */
export async function writeAtomically(file: string, text: string | Iterable<string>, opts: { force?: boolean } = {}): Promise<void> {
  const f = await AtomicFile.create(file, opts);
  try {
    if (typeof text === 'string') f.write(text);
    else
      for (const piece of text) {
        f.write(piece);
        await f.settle();
      }
    await f.commit();
  } catch (e) {
    await f.abort();
    throw writeError(file, e);
  }
}

/** The temporary files of AtomicFiles neither committed nor aborted: a signal that ends the run removes them. */
const pendingTemps = new Set<string>();
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let signalsWatched = false;

/**
 * Ctrl-C (or a kill) while a report is written to --output-file: the temporary file is removed and
 * the run ends by the signal as it would have (exit status 130 for SIGINT), the target as it was.
 */
function removeTempsOnSignal(): void {
  if (signalsWatched) return;
  signalsWatched = true;
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const t of pendingTemps) {
      try {
        unlinkSync(t);
      } catch {}
    }
    pendingTemps.clear();
    for (const s of ENDING_SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const s of ENDING_SIGNALS) process.on(s, onSignal);
}

/**
 * A file written in pieces that appears whole or not at all (writeAtomically's rules): pieces go
 * to the temporary file; commit() flushes it to disk and renames it into place; abort() (any
 * failure before commit) removes it. A long streamed report never leaves half a file behind.
 */
export class AtomicFile {
  private failed: unknown;
  private closed = false;
  private readonly scratch = new Utf8Scratch();

  private constructor(
    private readonly file: string,
    private readonly target: string,
    private readonly tmp: string,
    private readonly fh: import('node:fs/promises').FileHandle,
    private readonly mode: number,
  ) {}

  static async create(file: string, opts: { force?: boolean } = {}): Promise<AtomicFile> {
    let mode = 0o600;
    let target = file;
    const existing = await lstat(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw writeError(file, e);
    });
    if (existing !== undefined) {
      if (existing.isSymbolicLink()) {
        if (opts.force !== true)
          throw new InputError(`${file} is a symbolic link; kms-why does not write through links`, {
            hint: 'Give the real path, or add --force to replace the file the link points to.',
          });
        const real = await stat(file).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return undefined;
          throw writeError(file, e);
        });
        if (real !== undefined && !real.isFile()) throw notAFile(file, real);
        if (real !== undefined) {
          mode = real.mode & 0o777;
          target = await realpath(file).catch(() => file);
        } else {
          // A link to a file not there yet: the file is made where the link points, the link kept
          // (renaming over the link would have replaced the link itself).
          const to = await readlink(file).catch((e: unknown) => {
            throw writeError(file, e);
          });
          target = resolve(dirname(file), to);
          if ((await lstat(target).catch(() => undefined))?.isSymbolicLink() === true)
            throw new InputError(`${file} points through more than one symbolic link to a file that does not exist`, {
              hint: 'Give the path the file should have.',
            });
        }
      } else if (!existing.isFile()) {
        throw notAFile(file, existing);
      } else mode = existing.mode & 0o777;
    }
    // The process id in the name lets bin/heap.js remove what a child it relaunched left when it was killed.
    const tmp = join(dirname(target), `.${basename(target)}.kms-why-${process.pid}-${randomBytes(12).toString('hex')}.tmp`);
    try {
      // Registered before it exists: a signal while it is being made still finds it.
      removeTempsOnSignal();
      pendingTemps.add(tmp);
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
      return new AtomicFile(file, target, tmp, fh, mode);
    } catch (e) {
      pendingTemps.delete(tmp);
      throw writeError(file, e);
    }
  }

  /**
   * Writes a piece (a failure is kept and thrown by settle() or commit(), so nothing is written
   * after it). Written at once, as stdout to a file is (FdOutput): with a write queued on the file
   * handle for each piece, who-can --output jsonl --output-file took 45% more CPU time than the
   * same report on stdout redirected to a file.
   */
  write(text: string): void {
    if (this.failed !== undefined) return;
    try {
      const bytes = this.scratch.encode(text);
      let off = 0;
      while (off < bytes.length) off += fsWriteSync(this.fh.fd, bytes, off, bytes.length - off);
    } catch (e) {
      this.failed = e;
    }
  }

  /** Resolves when every piece is written; throws the first failure. */
  async settle(): Promise<void> {
    if (this.failed !== undefined) throw writeError(this.file, this.failed);
  }

  async commit(): Promise<void> {
    try {
      await this.settle();
      await this.fh.chmod(this.mode);
      await this.fh.sync();
      this.closed = true;
      await this.fh.close();
      await rename(this.tmp, this.target);
      pendingTemps.delete(this.tmp);
    } catch (e) {
      await this.abort();
      throw writeError(this.file, e);
    }
  }

  /** Removes the temporary file; the target, if any, is as it was. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    await unlink(this.tmp).catch(() => undefined);
    pendingTemps.delete(this.tmp);
  }
}

function notAFile(
  file: string,
  st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean },
): InputError {
  const what = st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a FIFO'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
  return new InputError(`cannot write ${file}: it is ${what}; kms-why replaces only regular files`, {
    hint: 'Give the path of a file (new or existing) to write.',
  });
}

function writeError(file: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const err = e as NodeJS.ErrnoException;
  const reason: Record<string, string> = {
    ENOENT: 'the directory does not exist',
    ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exceeded',
    EISDIR: 'it is a directory',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EIO: 'an input/output error',
  };
  const why = (err.code !== undefined ? reason[err.code] : undefined) ?? err.code ?? err.message ?? 'unknown error';
  return new InputError(`cannot write ${file}: ${why}${err.code !== undefined && reason[err.code] !== undefined ? ` (${err.code})` : ''}`, {
    hint: 'Nothing was written; the file, if any, is as it was.',
  });
}

/**
 * A long output's pieces (who-can's and diff's reports), written in batches of at least 64 KiB as
 * they come, so that a key's JSON (tens of megabytes on a large account) is never held whole, in
 * memory or in stdout's queue; a piece is never split. flush() writes the rest and waits until stdout has taken it.
 */
export class StreamOut {
  private buf = '';
  constructor(
    private readonly write: (s: string) => void,
    private readonly drain: (() => Promise<void>) | undefined,
  ) {}

  /** Adds a piece; true when a batch was written (then settle() before making much more). */
  readonly put = (s: string): boolean => {
    this.buf += s;
    if (this.buf.length < 65536) return false;
    const text = this.buf;
    this.buf = '';
    this.write(text);
    return true;
  };

  /** Resolves when stdout has taken what was written. */
  async settle(): Promise<void> {
    if (this.drain) await this.drain();
  }

  async flush(): Promise<void> {
    if (this.buf.length > 0) {
      const text = this.buf;
      this.buf = '';
      this.write(text);
    }
    await this.settle();
  }
}
