// SCPs and RCPs from files (`scpFiles`, `rcpFiles`): kms-why does not read AWS Organizations,
// which only its management account (or a delegated administrator) may. Each file holds either
//   - the contract's map {"ACCOUNT": [{"Target": …, "Policies": […]}, …]} (root first), or
//   - one policy document (or `aws organizations describe-policy` output). The single-policy files
//     of a kind are together the policies attached at one level of the hierarchy of the
//     principal's account (SCPs) or of the key's account (RCPs), after the levels of any map:
//     several SCPs at one level are OR-ed for Allow, as deny-list SCPs beside FullAWSAccess are, and
//     a level without any Allow statement is taken to have FullAWSAccess too
//     (docs/semantics.md#scp-full-access).
import { basename } from 'node:path';
import { InputError } from '../../model/errors.js';
import type { Organization, OrgPolicyLevel, InputRecord } from '../../model/snapshot.js';
import { readJsonText } from '../json-file.js';
import { isObject } from '../json-path.js';
import { parsePolicyDocument } from '../policy-document.js';
import { parseSnapshotParts } from '../snapshot-file.js';

type Kind = 'scp' | 'rcp';

const FIELD: Record<Kind, 'ServiceControlPolicies' | 'ResourceControlPolicies'> = {
  scp: 'ServiceControlPolicies',
  rcp: 'ResourceControlPolicies',
};

export async function readOrganizationFiles(
  scpFiles: string[],
  rcpFiles: string[],
  accounts: { principal: string | undefined; key: string | undefined },
): Promise<{ organization: Organization | undefined; records: InputRecord[] }> {
  if (scpFiles.length === 0 && rcpFiles.length === 0) return { organization: undefined, records: [] };
  const org: Organization = { serviceControlPolicies: {}, resourceControlPolicies: {} };
  const records: InputRecord[] = [];
  for (const [kind, files] of [
    ['scp', scpFiles],
    ['rcp', rcpFiles],
  ] as const) {
    const target = kind === 'scp' ? org.serviceControlPolicies : org.resourceControlPolicies;
    const fromMaps = new Map<string, string>();
    // The single-policy files: one level, of this account.
    let singles: { account: string; level: OrgPolicyLevel } | undefined;
    for (const file of files) {
      const value = await readJsonText(file);
      const single = singlePolicy(value);
      if (single !== undefined) {
        const account = kind === 'scp' ? accounts.principal : accounts.key;
        if (account === undefined) {
          throw new InputError(`cannot tell which account the ${kind.toUpperCase()} applies to`, {
            file,
            hint: `${kind === 'scp' ? 'The principal has no single account' : 'The key is not known'}; give the file as {"ACCOUNT": [{"Target": …, "Policies": […]}]}.`,
          });
        }
        const name = single.name ?? basename(file).replace(/\.json$/i, '');
        const policy = parsePolicyDocument(single.document, { source: kind, name, file, path: single.path });
        if (singles === undefined) singles = { account, level: { target: name, policies: [policy] } };
        else {
          singles.level.policies.push(policy);
          singles.level.target = `(--${kind}-file)`;
        }
        records.push({ what: `${kind.toUpperCase()} ${name} of account ${account}`, from: file, status: 'read' });
        continue;
      }
      const levels = parseMap(value, file, kind);
      for (const [account, list] of Object.entries(levels)) {
        const earlier = fromMaps.get(account);
        if (earlier !== undefined) {
          throw new InputError(`account ${account} has an ${kind.toUpperCase()} hierarchy in more than one file (also in ${earlier})`, { file, path: account });
        }
        fromMaps.set(account, file);
        target[account] = [...list, ...(target[account] ?? [])];
        records.push({ what: `${kind.toUpperCase()} hierarchy of account ${account}`, from: file, status: 'read' });
      }
    }
    if (singles !== undefined) (target[singles.account] ??= []).push(singles.level);
  }
  return { organization: org, records };
}

/** A single policy: a document, {Name, Content}, or describe-policy output {"Policy": {"PolicySummary": …, "Content": …}}. */
function singlePolicy(value: unknown): { document: unknown; name?: string; path: string } | undefined {
  if (typeof value === 'string') return { document: value, path: '' };
  if (!isObject(value)) return undefined;
  if ('Statement' in value) return { document: value, path: '' };
  if (typeof value.Content === 'string') {
    const name = typeof value.Name === 'string' ? value.Name : undefined;
    return name === undefined ? { document: value.Content, path: 'Content' } : { document: value.Content, name, path: 'Content' };
  }
  const p = value.Policy;
  if (isObject(p) && typeof p.Content === 'string') {
    const summary = isObject(p.PolicySummary) ? p.PolicySummary : {};
    const name = typeof summary.Name === 'string' ? summary.Name : undefined;
    return name === undefined ? { document: p.Content, path: 'Policy.Content' } : { document: p.Content, name, path: 'Policy.Content' };
  }
  return undefined;
}

/** The map form, validated by the snapshot parser; its messages are rewritten to name this file's own paths. */
function parseMap(value: unknown, file: string, kind: Kind): Record<string, OrgPolicyLevel[]> {
  const prefix = `Organization.${FIELD[kind]}`;
  try {
    const { snapshot } = parseSnapshotParts({ kmsWhySnapshot: 1, Organization: { [FIELD[kind]]: value } }, file);
    const org = snapshot.organization!;
    return kind === 'scp' ? org.serviceControlPolicies : org.resourceControlPolicies;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    let path = e.path ?? '';
    if (path.startsWith(prefix)) path = path.slice(prefix.length).replace(/^\./, '');
    const written = [e.file, e.path].filter((x) => x !== undefined && x !== '').join(': ');
    const message = written !== '' && e.message.startsWith(`${written}: `) ? e.message.slice(written.length + 2) : e.message;
    const opts: { file: string; path?: string; hint?: string } = { file };
    if (path !== '') opts.path = path;
    opts.hint = e.hint ?? `An ${kind.toUpperCase()} file holds one policy document, or {"ACCOUNT": [{"Target": "r-abcd", "Policies": […]}, …]} (root first).`;
    throw new InputError(message, opts);
  }
}
