// `kms-why snapshot`: reads AWS and writes the snapshot contract, to replay offline (--from) or
// attach to a ticket.
import type { Command } from 'commander';
import { InputError } from '../model/errors.js';
import { snapshotToJson } from '../sources/snapshot-writer.js';
import type { Run } from './command.js';
import { EXIT } from './errors.js';
import type { CliIo } from './io.js';
import { renderAndWrite } from './write-output.js';
import { collect } from './request-flags.js';
import { addLiveOptions, loadSnapshot, readAccountLive, type LiveFlags } from './live.js';
import type { Snapshot } from '../model/snapshot.js';

interface SnapshotFlags extends LiveFlags {
  key?: string[];
  account?: boolean;
  lambdaFunctions?: boolean;
  principal?: string;
  lambda?: string[];
  grantId?: string;
  allGrants?: boolean;
  alias?: string;
  outputFile?: string;
  force?: boolean;
  redact?: boolean;
  debug?: boolean;
}

export function addSnapshotCommand(program: Command, io: CliIo, run: Run): void {
  addLiveOptions(
    program
      .command('snapshot')
      .description("Read the key, its grants and the principal's policies from AWS and write them as a snapshot file")
      .option(
        '--account',
        'the whole account and region: IAM (GetAccountAuthorizationDetails), every key with its grants, aliases and tags (for who-can, grants --all-keys, lambda)',
      )
      .option('--lambda-functions', "with --account: also every Lambda function's configuration")
      .option('--key <key>', 'key id, key ARN, alias name or alias ARN (with --account: only these keys; repeatable)', collect)
      .option('--principal <arn>', "the principal whose policies to read (ARN, or 'me')")
      .option('--lambda <function>', "also store this function's configuration, for kms-why lambda (repeatable)", collect)
      .option('--grant-id <id>', 'make sure this grant is read (RetireGrant)')
      .option('--all-grants', 'read every grant of the key, not only those that can apply to --principal (for who-can and grants on the file)')
      .option('--alias <alias>', 'also read the key this alias points to now (UpdateAlias needs permission on it)')
      .option('--output-file <file>', 'write here (atomically) instead of stdout')
      .option('--force', 'with --output-file: also replace a file reached through a symbolic link')
      .option('--redact', 'replace account ids, resource names and grant ids with stable placeholders')
      .option('--debug', 'show stack traces for errors'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 written (inputs that could not be read are recorded in the file as unreadable), 2 bad input,
no usable AWS credentials or an AWS endpoint that cannot be reached, 3 nothing written: AWS answered but
could not be read at all (the key, the list of keys, or whom the credentials or 'me' stand for).

With --principal, the file holds that principal only and says so (principalsAskedFor): kms-why diff
does not take the other roles and users as gone, it says they were not read. With --key, the same for
keys (keysAskedFor): the account's other keys are not read, not removed.

Examples:
  kms-why snapshot --key alias/app --principal arn:aws:iam::111122223333:role/app --output-file app.json
  kms-why snapshot --account --lambda-functions --output-file account.json
  kms-why who-can --from account.json --all-keys
  kms-why decrypt --from app.json --key alias/app --principal arn:aws:iam::111122223333:role/app`,
    )
    .action(
      run(async (flags: SnapshotFlags): Promise<number> => {
        let snapshot: Snapshot;
        if (flags.account === true) {
          if (flags.principal !== undefined)
            throw new InputError('--principal does not go with --account', { hint: '--account reads every role and user of the account.' });
          if (flags.alias !== undefined)
            throw new InputError('--alias does not go with --account', { hint: '--account reads every key and every alias of the account and region.' });
          snapshot = await readAccountLive({ ...flags, from: [] }, { keys: flags.key, lambdaFunctions: flags.lambdaFunctions === true }, io);
          const unreadable = (snapshot.inputs ?? []).filter((r) => r.status === 'unreadable');
          if (unreadable.length > 0)
            io.stderr(
              `kms-why: ${unreadable.length} read${unreadable.length === 1 ? '' : 's'} failed and ${unreadable.length === 1 ? 'is' : 'are'} recorded as unreadable, e.g. ${unreadable[0]!.what}: ${unreadable[0]!.detail ?? ''}\n`,
            );
        } else {
          if (flags.lambdaFunctions === true) throw new InputError('--lambda-functions goes with --account', { hint: 'Use --lambda NAME for one function.' });
          if (flags.key === undefined || flags.key.length !== 1 || flags.principal === undefined)
            throw new InputError('--key (once) and --principal are required, or --account');
          // The same reads as the check with the same flags (on a key with many grants: the first page
          // and the principal's grants, recorded as such), so that replaying the file gives the same
          // report; --all-grants reads every grant.
          ({ snapshot } = await loadSnapshot(
            { ...flags, from: [] },
            [
              {
                key: flags.key[0]!,
                principal: flags.principal,
                ...(flags.allGrants === true ? { allGrants: true } : {}),
                ...(flags.grantId ? { grantId: flags.grantId } : {}),
                ...(flags.alias ? { aliasTarget: flags.alias } : {}),
                ...(flags.lambda ? { functions: flags.lambda.map((name) => ({ name })) } : {}),
              },
            ],
            io,
          ));
        }
        snapshot.capturedAt ??= new Date().toISOString();
        // --redact: loadSnapshot has redacted what was read (src/cli/redact.ts); say so in the file.
        if (io.redactor !== undefined) snapshot.redacted = true;
        const text = JSON.stringify(snapshotToJson(snapshot), null, 2) + '\n';
        await renderAndWrite(io, { output: 'json' }, () => text, {
          outputFile: flags.outputFile !== undefined ? { file: flags.outputFile, force: flags.force === true } : undefined,
        });
        return EXIT.allow;
      }),
    );
}
