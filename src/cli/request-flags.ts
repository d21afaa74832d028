// The request flags shared by `check` and the per-action commands, and their parsing.
import type { Command } from 'commander';
import { ACTIONS, findAction, GRANT_OPERATIONS, type ActionInfo } from '../model/actions.js';
import { isAccountId, isPartition, PARTITIONS, parseArn, parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import { editDistance } from '../model/condition-operators.js';
import { dict, dictFrom, hasOwn } from '../model/dict.js';
import { InputError } from '../model/errors.js';
import { dateLacksOffset, parseCidr, parseDate } from '../model/condition-values.js';
import type { GrantConstraints } from '../model/grant.js';
import type { ContextValue, GrantRequest, Request } from '../model/request.js';
import { viaServiceLabel } from '../model/via-service.js';
import { hasWildcard } from '../model/wildcard.js';

export interface RequestFlags {
  key?: string;
  alias?: string;
  principal?: string;
  callerAccount?: string;
  context?: string[];
  viaService?: string;
  condition?: string[];
  encryptionAlgorithm?: string;
  grantIsForAwsResource?: boolean;
  grantId?: string;
  grantToken?: string[];
  grantee?: string;
  grantOperations?: string;
  grantConstraintEquals?: string[];
  grantConstraintSubset?: string[];
  grantConstraintSourceArn?: string;
  retiringPrincipal?: string;
  at?: string;
  absent?: string[];
}

/** The request time flag, as check and who-can give it (requestTime reads it). */
export const AT_FLAG = '--at <timestamp>';
export const AT_HELP = 'when the request is made, ISO 8601 (aws:CurrentTime, aws:EpochTime; default: now; no offset = UTC)';

/**
 * The request time --at gives (checked as a strict ISO 8601 date and time), else now: read once,
 * here in src/cli, so that the evaluator and the analyses never read a clock.
 */
export function requestTime(at: string | undefined): string {
  return at !== undefined ? checkTimestamp(at, '--at') : new Date().toISOString();
}

/** Commander's accumulator for repeatable options. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('--key <key>', 'key id, key ARN, alias name (alias/app) or alias ARN; an alias sets kms:RequestAlias')
    .option('--alias <alias>', 'for CreateAlias, UpdateAlias, DeleteAlias: the alias (name or ARN); --key is its target key')
    .option('--principal <arn>', 'the caller: user, role, role-session, root ARN, account id, or service principal')
    .option('--caller-account <id>', "kms:CallerAccount (default: the principal's account)")
    .option('--context <key=value>', 'encryption context pair (repeatable)', collect)
    .option('--via-service <service>', 'kms:ViaService, e.g. lambda.us-east-1.amazonaws.com (the request comes through that service)')
    .option('--condition <key=value>', 'any other condition key, e.g. aws:SourceIp=203.0.113.7 (repeatable; repeat a key for several values)', collect)
    .option('--encryption-algorithm <alg>', 'kms:EncryptionAlgorithm (default SYMMETRIC_DEFAULT on symmetric keys)')
    .option('--grant-is-for-aws-resource', 'set kms:GrantIsForAWSResource true (default: true exactly when --via-service is given)')
    .option('--grant-id <id>', 'for RetireGrant/RevokeGrant: the grant')
    .option('--grant-token <token>', 'a grant token presented with the request (repeatable)', collect)
    .option(
      '--grantee <arn>',
      'for CreateGrant: the grantee of the grant to create, a principal ARN (GranteePrincipal) or a service principal (GranteeServicePrincipal)',
    )
    .option('--grant-operations <ops>', 'for CreateGrant: comma-separated grant operations, e.g. Decrypt,RetireGrant')
    .option('--grant-constraint-equals <key=value>', 'for CreateGrant: EncryptionContextEquals pair (repeatable)', collect)
    .option('--grant-constraint-subset <key=value>', 'for CreateGrant: EncryptionContextSubset pair (repeatable)', collect)
    .option('--grant-constraint-source-arn <arn>', 'for CreateGrant: the SourceArn constraint (a grant to a service principal needs one)')
    .option(
      '--retiring-principal <arn>',
      'for CreateGrant: the retiring principal of the grant to create, a principal ARN (RetiringPrincipal) or a service principal (RetiringServicePrincipal)',
    )
    .option(AT_FLAG, AT_HELP)
    .option('--absent <key>', 'a condition key the request does not carry, e.g. aws:SourceIp for a request through a VPC endpoint (repeatable)', collect);
}

function pairs(list: string[] | undefined, flag: string): Array<[string, string]> {
  return (list ?? []).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new InputError(`${flag} "${item}" is not KEY=VALUE`, { hint: `Write it as ${flag} Department=IT.`, quotes: [item] });
    }
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

function pairMap(list: string[] | undefined, flag: string): Record<string, string> | undefined {
  const ps = pairs(list, flag);
  if (ps.length === 0) return undefined;
  const out = dict<string>();
  for (const [k, v] of ps) {
    if (hasOwn(out, k)) throw new InputError(`${flag} gives "${k}" twice`);
    out[k] = v;
  }
  return out;
}

/** Resolves --action values (comma-separated, repeatable; `all` for every key action). */
export function parseActions(values: string[], all: readonly ActionInfo[]): ActionInfo[] {
  const out: ActionInfo[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const name = v.trim();
    if (name === '') continue;
    if (name.toLowerCase() === 'all') {
      for (const a of all) if (!out.includes(a)) out.push(a);
      continue;
    }
    const a = findAction(name);
    if (a === undefined) {
      throw new InputError(`unknown KMS action "${name}"`, { hint: suggestAction(name) });
    }
    if (!out.includes(a)) out.push(a);
  }
  if (out.length === 0) throw new InputError('no action given', { hint: 'Give --action kms:Decrypt (comma-separated for several, or all).' });
  return out;
}

/**
 * The request flags an action cannot be evaluated without, that these flags lack: RetireGrant
 * and RevokeGrant name a grant, CreateGrant describes the grant to create, and the alias actions
 * name an alias. `check --action all` lists these actions as not evaluated instead of answering
 * `unknown` for them.
 */
export function missingDetails(action: ActionInfo, flags: RequestFlags): string[] {
  if ((action.short === 'RetireGrant' || action.short === 'RevokeGrant') && flags.grantId === undefined) return ['--grant-id'];
  if (action.short === 'CreateGrant' && flags.grantee === undefined) return ['--grantee'];
  if (action.cls === 'alias' && flags.alias === undefined) return ['--alias'];
  return [];
}

/** Whether `--action` asked for `all` (as opposed to naming each action). */
export function namedActions(values: string[]): Set<string> {
  const out = new Set<string>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const a = v.trim().toLowerCase() === 'all' ? undefined : findAction(v.trim());
    if (a !== undefined) out.add(a.name);
  }
  return out;
}

export function suggestAction(name: string): string {
  const bare = name.replace(/^kms:/i, '').toLowerCase().replace(/-/g, '');
  let best: ActionInfo | undefined;
  let bestD = Infinity;
  for (const a of ACTIONS) {
    const d = editDistance(bare, a.short.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best && bestD <= Math.max(3, Math.floor(bare.length / 3)) ? `Did you mean ${best.name}?` : 'See `kms-why check --help` for the list of actions.';
}

function parseContextValue(values: string[]): ContextValue {
  return values.length === 1 ? values[0]! : values;
}

export function requestFromFlags(flags: RequestFlags, action: string): Request {
  if (flags.principal === undefined)
    throw new InputError('--principal is required', { hint: 'Give the caller, e.g. --principal arn:aws:iam::111122223333:role/app.' });
  const p = parsePrincipal(flags.principal);
  if (p === null || p.kind === 'unique-id') {
    throw new InputError(`invalid --principal "${flags.principal}"`, {
      quotes: [flags.principal],
      hint: 'Give an ARN such as arn:aws:iam::111122223333:role/app, arn:aws:sts::111122223333:assumed-role/app/session, arn:aws:iam::111122223333:user/alice, arn:aws:iam::111122223333:root, or a service principal such as lambda.us-east-1.amazonaws.com.',
    });
  }
  if (!isPartition(p.partition)) {
    throw new InputError(`invalid --principal "${flags.principal}": "${p.partition}" is not an AWS partition`, {
      quotes: [flags.principal, p.partition],
      hint: `Partitions: ${PARTITIONS.join(', ')}.`,
    });
  }
  // A bare account id names the account's root user in the key's partition (accountRootIn): known
  // here when --key is an ARN; otherwise the id is kept, and the evaluator reads it against the key.
  const keyPartition = flags.key !== undefined ? parseKeyIdentifier(flags.key)?.arn?.partition : undefined;
  const principal =
    p.kind !== 'root'
      ? flags.principal
      : isAccountId(flags.principal.trim())
        ? keyPartition !== undefined
          ? `arn:${keyPartition}:iam::${p.account}:root`
          : p.account
        : p.arn;
  const req: Request = { action, principal };
  if (flags.key !== undefined) {
    const keyArn = parseKeyIdentifier(flags.key)?.arn;
    if (keyArn !== undefined && !isPartition(keyArn.partition)) {
      throw new InputError(`invalid --key "${flags.key}": "${keyArn.partition}" is not an AWS partition`, {
        hint: `Partitions: ${PARTITIONS.join(', ')}.`,
        quotes: [flags.key, keyArn.partition],
      });
    }
    if (parseKeyIdentifier(flags.key) === null) {
      throw new InputError(`invalid --key "${flags.key}"`, { hint: 'Give a key id, key ARN, alias name (alias/app) or alias ARN.', quotes: [flags.key] });
    }
    req.keyIdentifier = flags.key;
  }
  if (flags.alias !== undefined) {
    const a = flags.alias.startsWith('alias/') ? flags.alias : parseKeyIdentifier(flags.alias)?.kind === 'alias-arn' ? flags.alias : undefined;
    if (a === undefined)
      throw new InputError(`invalid --alias "${flags.alias}"`, { hint: 'Give an alias name such as alias/app, or an alias ARN.', quotes: [flags.alias] });
    req.aliasArn = a;
  }
  if (flags.callerAccount !== undefined) {
    if (!/^\d{12}$/.test(flags.callerAccount)) throw new InputError(`invalid --caller-account "${flags.callerAccount}": an account id has 12 digits`);
    req.callerAccount = flags.callerAccount;
  }
  const ec = pairMap(flags.context, '--context');
  if (ec !== undefined) req.encryptionContext = ec;
  if (flags.viaService !== undefined) {
    if (viaServiceLabel(flags.viaService) === undefined) {
      throw new InputError(`invalid --via-service "${flags.viaService}": a kms:ViaService name is SERVICE.REGION.amazonaws.com`, {
        hint: 'e.g. lambda.us-east-1.amazonaws.com (EBS: ec2.us-east-1.amazonaws.com), lower case, with .amazonaws.com in every partition (docs/semantics.md#via-service).',
        quotes: [flags.viaService],
      });
    }
    req.viaService = flags.viaService;
  }
  const conds = pairs(flags.condition, '--condition');
  for (const [k, v] of conds) checkConditionValue(k, v);
  if (conds.length > 0) {
    const grouped = new Map<string, string[]>();
    for (const [k, v] of conds) grouped.set(k, [...(grouped.get(k) ?? []), v]);
    req.context = dictFrom([...grouped].map(([k, v]) => [k, parseContextValue(v)] as const));
  }
  if (flags.encryptionAlgorithm !== undefined) req.encryptionAlgorithm = flags.encryptionAlgorithm;
  req.at = requestTime(flags.at);
  if (flags.absent !== undefined && flags.absent.length > 0) {
    for (const k of flags.absent) {
      if (!/^[a-z0-9-]+:[^\s=]+$/i.test(k))
        throw new InputError(`--absent "${k}" is not a condition key`, { hint: 'Give the key alone, e.g. --absent aws:SourceIp.' });
      if (conds.some(([c]) => c.toLowerCase() === k.toLowerCase())) throw new InputError(`${k} is given both with --condition and --absent`);
    }
    req.absent = flags.absent;
  }
  if (flags.grantIsForAwsResource === true) req.grantIsForAwsResource = true;
  if (flags.grantId !== undefined) req.grantId = flags.grantId;
  if (flags.grantToken !== undefined) req.grantTokens = flags.grantToken;
  if (flags.grantee !== undefined || flags.grantOperations !== undefined || flags.grantConstraintSourceArn !== undefined) {
    const ops = (flags.grantOperations ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const op of ops) {
      if (!GRANT_OPERATIONS.includes(op)) {
        const near = GRANT_OPERATIONS.find((g) => g.toLowerCase() === op.toLowerCase());
        throw new InputError(`unknown grant operation "${op}"`, {
          hint: near ? `Did you mean ${near}? Grant operations are case-sensitive.` : `Grant operations: ${GRANT_OPERATIONS.join(', ')}.`,
        });
      }
    }
    const gr: GrantRequest = { operations: ops };
    // A service principal is CreateGrant's GranteeServicePrincipal (kms:GranteeServicePrincipal),
    // any other principal its GranteePrincipal; the same for the retiring principal [API CreateGrant].
    if (flags.grantee !== undefined) {
      const g = grantPrincipalFlag(flags.grantee, '--grantee');
      if (g.service) gr.granteeServicePrincipal = g.value;
      else gr.granteePrincipal = g.value;
    }
    if (flags.retiringPrincipal !== undefined) {
      const r = grantPrincipalFlag(flags.retiringPrincipal, '--retiring-principal');
      if (r.service) gr.retiringServicePrincipal = r.value;
      else gr.retiringPrincipal = r.value;
    }
    const eq = pairMap(flags.grantConstraintEquals, '--grant-constraint-equals');
    const sub = pairMap(flags.grantConstraintSubset, '--grant-constraint-subset');
    const sourceArn = flags.grantConstraintSourceArn;
    if (sourceArn !== undefined && (parseArn(sourceArn.trim()) === null || hasWildcard(sourceArn))) {
      throw new InputError(`invalid --grant-constraint-source-arn "${sourceArn}": not the ARN of one resource`, {
        quotes: [sourceArn],
        hint: 'Give the ARN of the resource on whose behalf the grantee acts, e.g. arn:aws:logs:us-east-1:111122223333:log-group:app (no wildcards).',
      });
    }
    if (eq !== undefined || sub !== undefined || sourceArn !== undefined) {
      const c: GrantConstraints = {};
      if (eq !== undefined) c.encryptionContextEquals = eq;
      if (sub !== undefined) c.encryptionContextSubset = sub;
      if (sourceArn !== undefined) c.sourceArn = sourceArn.trim();
      gr.constraints = c;
    }
    req.grantRequest = gr;
  }
  return req;
}

/**
 * A principal a grant names (--grantee, --retiring-principal): a service principal (`service`), or
 * one AWS principal by its ARN — an IAM user, role, role session, federated user or account (an
 * account id is read as the account). CreateGrant takes nothing else: a grant names no pattern
 * [API CreateGrant].
 */
function grantPrincipalFlag(text: string, flag: string): { service: boolean; value: string } {
  const p = parsePrincipal(text);
  const fail = (why: string): never => {
    throw new InputError(`invalid ${flag} "${text}": ${why}`, {
      quotes: [text],
      hint: 'Give the ARN of one IAM user, role, role session, federated user or account, e.g. arn:aws:iam::111122223333:role/worker, or a service principal such as logs.us-east-1.amazonaws.com (a grant to a service principal also needs --grant-constraint-source-arn and a --retiring-principal).',
    });
  };
  if (p === null) return fail('not a principal');
  if (p.kind === 'unique-id') return fail('a unique id names a deleted principal (ListGrants shows it), not one a grant can be created for');
  if (hasWildcard(text)) return fail('a grant names one principal: * and ? are not wildcards there');
  if (!isPartition(p.partition)) return fail(`"${p.partition}" is not an AWS partition`);
  return { service: p.kind === 'service', value: p.kind === 'service' ? p.arn : text };
}

/** Keys whose values the evaluator reads as IP addresses or dates: checked here, so that a typo is a usage error. */
const IP_KEYS = new Set(['aws:sourceip', 'aws:vpcsourceip', 'aws:ec2instancesourceprivateipv4']);
const DATE_KEYS = new Set(['aws:currenttime', 'aws:tokenissuetime']);

function checkConditionValue(key: string, value: string): void {
  const k = key.toLowerCase();
  if (IP_KEYS.has(k)) {
    const ip = parseCidr(value);
    if (ip === null || ip.prefix !== (ip.type === 'ipv4' ? 32 : 128)) {
      throw new InputError(`--condition ${key}: "${value}" is not an IPv4 or IPv6 address`, {
        hint: `Write it as --condition ${key}=203.0.113.7 (or an IPv6 address such as 2001:db8::7).`,
        quotes: [value],
      });
    }
  }
  if (DATE_KEYS.has(k)) checkTimestamp(value, `--condition ${key}`);
  if (k === 'aws:epochtime' && !/^\d+$/.test(value)) throw new InputError(`--condition ${key}: "${value}" is not seconds since 1970`, { quotes: [value] });
}

/** A strict ISO 8601 date and time (a missing offset means UTC); returned with the offset made explicit. */
export function checkTimestamp(text: string, flag: string): string {
  const t = /^\d+$/.test(text.trim()) ? null : parseDate(text);
  if (t === null) {
    throw new InputError(`${flag} "${text}" is not an ISO 8601 date and time`, {
      quotes: [text],
      hint: `Write it as ${flag} 2026-01-31T09:30:00Z (an offset such as +02:00 is allowed; none means UTC).`,
    });
  }
  return dateLacksOffset(text) || /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? new Date(t).toISOString() : text.trim();
}
