// `kms-why snapshot`: reads AWS and writes the snapshot contract, to replay offline (--from) or
// attach to a ticket.
import type { Command } from 'commander';
import { InputError } from '../model/errors.js';
import { snapshotToJson } from '../sources/snapshot-writer.js';
import { writeAtomically, type CliIo } from './io.js';
import { collect } from './request-flags.js';
import { addLiveOptions, loadSnapshot, type LiveFlags } from './live.js';

interface SnapshotFlags extends LiveFlags {
  key?: string;
  principal?: string;
  lambda?: string[];
  grantId?: string;
  outputFile?: string;
  redact?: boolean;
  debug?: boolean;
}


export function addSnapshotCommand(program: Command, io: CliIo, setExit: (code: number) => void, setDebug: (d: boolean) => void): void {
  addLiveOptions(
    program
      .command('snapshot')
      .description('Read the key, its grants and the principal\'s policies from AWS and write them as a snapshot file')
      .option('--key <key>', 'key id, key ARN, alias name or alias ARN')
      .option('--principal <arn>', "the principal whose policies to read (ARN, or 'me')")
      .option('--lambda <function>', 'also store this function\'s configuration, for kms-why lambda (repeatable)', collect)
      .option('--grant-id <id>', 'make sure this grant is read (RetireGrant)')
      .option('--output-file <file>', 'write here (atomically) instead of stdout')
      .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
      .option('--debug', 'show stack traces for errors'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 written (inputs that could not be read are recorded in the file as unreadable), 2 bad input.

Example:
  kms-why snapshot --key alias/app --principal arn:aws:iam::111122223333:role/app --output-file app.json
  kms-why decrypt --from app.json --key alias/app --principal arn:aws:iam::111122223333:role/app`,
    )
    .action(async (flags: SnapshotFlags) => {
      setDebug(flags.debug === true);
      if (flags.key === undefined || flags.principal === undefined) throw new InputError('--key and --principal are required');
      const { snapshot } = await loadSnapshot({ ...flags, from: [] }, [{ key: flags.key, principal: flags.principal, allGrants: true, ...(flags.grantId ? { grantId: flags.grantId } : {}), ...(flags.lambda ? { functions: flags.lambda.map((name) => ({ name })) } : {}) }], io);
      snapshot.capturedAt ??= new Date().toISOString();
      // --redact: loadSnapshot has redacted what was read (src/cli/redact.ts); say so in the file.
      if (io.redactor !== undefined) snapshot.redacted = true;
      let text = JSON.stringify(snapshotToJson(snapshot), null, 2) + '\n';
      if (io.redactor !== undefined) text = io.redactor.text(text);
      if (flags.outputFile !== undefined) {
        await writeAtomically(flags.outputFile, text);
        io.stderr(`kms-why: wrote ${flags.outputFile}\n`);
      } else io.stdout(text);
      setExit(0);
    });
}
