// ARN and principal parsing (pure). Principal forms: docs/semantics.md#principal-matching and IAM-PRINCIPAL.
import { hasControlChar } from './control-chars.js';
import { InputError } from './errors.js';
import type { PrincipalRef, RolePrincipal, RootPrincipal, SessionPrincipal } from './principal.js';

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(text: string): Arn | null {
  if (!text.startsWith('arn:')) return null;
  const parts = text.split(':');
  if (parts.length < 6) return null;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if (!partition || !service) return null;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/**
 * The AWS partitions (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 * Principals, resources and keys of different partitions never match one another; any other
 * partition name is invalid input.
 */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const;

export function isPartition(text: string): boolean {
  return (PARTITIONS as readonly string[]).includes(text);
}

/**
 * The partition of a Region, by the Region-name patterns of the AWS SDKs' partition table (the
 * table the SDK picks an endpoint by, so a request sent to `region` went to that partition):
 * `cn-…` is aws-cn, `us-gov-…` aws-us-gov, and so on; any other name is aws, as for the SDK.
 */
const REGION_PARTITIONS: Array<[RegExp, string]> = [
  [/^cn-\w+-\d+$/, 'aws-cn'],
  [/^us-gov-\w+-\d+$/, 'aws-us-gov'],
  [/^us-iso-\w+-\d+$/, 'aws-iso'],
  [/^us-isob-\w+-\d+$/, 'aws-iso-b'],
  [/^eu-isoe-\w+-\d+$/, 'aws-iso-e'],
  [/^us-isof-\w+-\d+$/, 'aws-iso-f'],
  [/^eusc-de-\w+-\d+$/, 'aws-eusc'],
];
export function partitionOfRegion(region: string): string {
  for (const [re, partition] of REGION_PARTITIONS) if (re.test(region)) return partition;
  return 'aws';
}

/**
 * A bare account id as a caller: the root user of that account in `partition`. An account id does
 * not say its partition (parsePrincipal takes aws), and a request is made in the partition of the
 * key it names, since no principal reaches a key of another partition (PARTITIONS, above); so the
 * id is read in the key's. Undefined when `text` is not a bare account id.
 */
export function accountRootIn(text: string, partition: string): RootPrincipal | undefined {
  const t = text.trim();
  return isAccountId(t) ? { arn: `arn:${partition}:iam::${t}:root`, kind: 'root', partition, account: t, name: 'root' } : undefined;
}

const ACCOUNT_RE = /^\d{12}$/;
const SERVICE_PRINCIPAL_RE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
/** Unique ids that IAM stores instead of names (AROA… roles, AIDA… users), docs/semantics.md#grant-session-match */
const UNIQUE_ID_RE = /^(AROA|AIDA|AGPA|ANPA|ANVA|ASIA|AKIA|AIPA)[A-Z0-9]{12,}(:.*)?$/;

export function isAccountId(text: string): boolean {
  return ACCOUNT_RE.test(text);
}

export function isServicePrincipal(text: string): boolean {
  return SERVICE_PRINCIPAL_RE.test(text);
}

export function isUniqueId(text: string): boolean {
  return UNIQUE_ID_RE.test(text);
}

/** Whether `text` holds a character no principal's name can (parsePrincipal then returns null; model/control-chars.ts). */
export function breaksPrincipal(text: string): boolean {
  return hasControlChar(text);
}

/** Parses a caller or policy principal. Returns null when the text is no principal form we know. */
export function parsePrincipal(text: string): PrincipalRef | null {
  const t = text.trim();
  if (breaksPrincipal(t)) return null;
  if (isServicePrincipal(t)) {
    return { arn: t, kind: 'service', partition: t.endsWith('.cn') ? 'aws-cn' : 'aws', account: '', name: t };
  }
  if (isAccountId(t)) {
    return { arn: `arn:aws:iam::${t}:root`, kind: 'root', partition: 'aws', account: t, name: 'root' };
  }
  if (isUniqueId(t)) {
    return { arn: t, kind: 'unique-id', partition: 'aws', account: '', name: t };
  }
  const arn = parseArn(t);
  if (arn === null || !isAccountId(arn.account)) return null;
  if (arn.service === 'iam') {
    if (arn.resource === 'root') {
      return { arn: t, kind: 'root', partition: arn.partition, account: arn.account, name: 'root' };
    }
    const m = /^(user|role)(\/.*\/|\/)([^/]+)$/.exec(arn.resource);
    if (m) {
      return {
        arn: t,
        kind: m[1] === 'user' ? 'user' : 'role',
        partition: arn.partition,
        account: arn.account,
        name: m[3] ?? '',
        path: m[2] ?? '/',
      };
    }
    return null;
  }
  if (arn.service === 'sts') {
    const m = /^assumed-role\/([^/]+)\/(.+)$/.exec(arn.resource);
    if (m) {
      return {
        arn: t,
        kind: 'assumed-role',
        partition: arn.partition,
        account: arn.account,
        name: m[1]!,
        roleName: m[1]!,
        sessionName: m[2]!,
      };
    }
    const f = /^federated-user\/(.+)$/.exec(arn.resource);
    if (f) return { arn: t, kind: 'federated-user', partition: arn.partition, account: arn.account, name: f[1]! };
    return null;
  }
  return null;
}

/** Like parsePrincipal, but an unknown form is the user's error. */
export function requirePrincipal(text: string, what = 'principal'): PrincipalRef {
  const p = parsePrincipal(text);
  if (p === null) {
    throw new InputError(`invalid ${what} "${text}"`, {
      hint: 'Give an ARN such as arn:aws:iam::111122223333:role/app, arn:aws:sts::111122223333:assumed-role/app/session, arn:aws:iam::111122223333:user/alice, arn:aws:iam::111122223333:root, a 12-digit account id, or a service principal such as lambda.us-east-1.amazonaws.com.',
    });
  }
  return p;
}

/** A role's ARN without its path (as a session ARN names the role). */
export function iamRoleArn(partition: string, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/**
 * The path kms-why writes into a role ARN when the role's path is not known, for the user to
 * replace (`--redact` leaves it): a session ARN leaves its role's path out, and a policy names the
 * role by its ARN with the path [IAM identifiers: IAM ARNs].
 */
export const FILL_IN_ROLE_PATH = 'ROLE_PATH';

/** A session's role ARN with FILL_IN_ROLE_PATH for the path it does not know. */
export function roleArnToFillIn(p: SessionPrincipal): string {
  return iamRoleArn(p.partition, p.account, `${FILL_IN_ROLE_PATH}/${p.roleName}`);
}

/** Whether a text names a role ARN with FILL_IN_ROLE_PATH (roleArnToFillIn). */
export function hasRolePathToFillIn(text: string): boolean {
  return text.includes(`:role/${FILL_IN_ROLE_PATH}/`);
}

/** The role ARN of a session (without path: session ARNs do not carry it), or of a role (as given). */
export function roleArnOf(p: SessionPrincipal | RolePrincipal): string;
export function roleArnOf(p: PrincipalRef): string | undefined;
export function roleArnOf(p: PrincipalRef): string | undefined {
  if (p.kind === 'assumed-role') return iamRoleArn(p.partition, p.account, p.roleName);
  if (p.kind === 'role') return p.arn;
  return undefined;
}

export interface KeyIdentifier {
  kind: 'key-id' | 'key-arn' | 'alias-name' | 'alias-arn';
  text: string;
  /** For alias forms: `alias/name`. */
  aliasName?: string;
  /** For ARN forms. */
  arn?: Arn;
}

const KEY_ID_RE = /^(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$/i;

/** Parses a KeyId as the KMS API accepts it: key id, key ARN, alias name or alias ARN. */
export function parseKeyIdentifier(text: string): KeyIdentifier | null {
  const t = text.trim();
  if (t.startsWith('alias/')) return { kind: 'alias-name', text: t, aliasName: t };
  const arn = parseArn(t);
  if (arn !== null) {
    if (arn.service !== 'kms') return null;
    if (arn.resource.startsWith('key/')) return { kind: 'key-arn', text: t, arn };
    if (arn.resource.startsWith('alias/')) return { kind: 'alias-arn', text: t, arn, aliasName: arn.resource };
    return null;
  }
  if (KEY_ID_RE.test(t)) return { kind: 'key-id', text: t };
  return null;
}
