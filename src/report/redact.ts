// `--redact`: one Redactor per run sees every string that leaves the process. It works on the data
// first — the input documents (snapshots, AWS CLI outputs, CloudTrail events), the request flags and
// the error message — so that everything kms-why derives from them (verdicts, generated statement
// ids, AWS CLI commands, table cells) is built from placeholders before any layout; then, as a safety
// net, on every text written to stdout, stderr or a file.
//
// Placeholders are shaped like the values they replace, so that a redacted snapshot is still a valid
// snapshot and evaluates as the original did: accounts 000000000001, key ids
// 00000000-0000-0000-0000-000000000001, unique ids AROA00000000000000001, names role-1, function-1,
// grant ids grant-1, Sids Sid1, organization ids o-0000000001. The same value always gets the same placeholder (a session named
// after its function is the function's placeholder in both places). A placeholder maps to itself,
// so redacting twice changes nothing (but for IP addresses, remapped again: verdicts stay the same).
// A document that says "redacted": true is redacted all the same: the member is the input's own
// word, and a redacted snapshot someone added real policies to, or a hand-written file, says it too.
// Its placeholders are reserved first (they map to themselves, and no new placeholder takes their
// text), so a snapshot that really is redacted comes out as it went in, but for its IP addresses
// (they have no placeholder shape to tell a remapped one from a real one).
//
// Names that a policy matches with a wildcard (role/app-*) carry a marker for each such pattern
// (role-1-x1x) and the pattern becomes *-x1x*, so that the pattern still matches exactly the names
// it matched. AWS-owned names stay readable: service principals, AWS managed policies, alias/aws/…,
// service-linked roles, regions, actions and condition key names.
//
// The mapping lives only in memory; it is never printed.
import { FILL_IN_ROLE, FILL_IN_ROLE_PATH } from './fill-in.js';
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ACTIONS } from '../model/actions.js';
import { Wildcard } from '../model/wildcard.js';
import { CONTROL_CLASS } from '../model/control-chars.js';

export type PlaceholderKind =
  | 'account'
  | 'role'
  | 'user'
  | 'session'
  | 'group'
  | 'policy'
  | 'key'
  | 'alias'
  | 'function'
  | 'grant'
  | 'grant-name'
  | 'token'
  | 'id'
  | 'resource'
  | 'path'
  | 'sid'
  | 'policy-id'
  | 'value'
  | 'file'
  | 'email'
  | 'vpce'
  | 'vpc'
  | 'org'
  | 'ou'
  | 'name';

export interface RedactOptions {
  /** Kept for callers of the old API; placeholders need no escaping in any format now. */
  format?: 'auto' | 'plain' | 'markdown';
}

// Private-use characters mark placeholders while the passes over a text run, so that no later pass
// can match inside one; ANSI colour codes are put aside the same way.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const STASH_OPEN = '\uE002';
const STASH_CLOSE = '\uE003';
const PRIVATE = '\\uE000-\\uE003';

const ARN_STOP = `\\s"'\`\\\\<>|,;()\\[\\]{}${PRIVATE}`;
// The resource goes on past a comma that an IAM name goes on after (role/a,b is one role: IAM names
// may hold commas), but not into a list (arn:…,arn:…; a comma and a space).
const ARN_RE = new RegExp(
  `arn:(aws(?:-[a-z]+)*):([a-z0-9-]*|\\*):([a-z0-9-]*|\\*|\\$\\{[^}\\s]*\\}):([^:${ARN_STOP}]*):((?:\\$\\{[^}${ARN_STOP}]*\\}|[^${ARN_STOP}]|,(?=[A-Za-z0-9_+=.@-])(?!arn:))+)`,
  'g',
);
const CONTROL_RE = new RegExp(`[${CONTROL_CLASS}]`, 'g');
const PRIVATE_RE = new RegExp(`[${PRIVATE}]`, 'g');
const MARKS_RE = new RegExp(`[${OPEN}${CLOSE}]`, 'g');
const STASHED_RE = new RegExp(`${STASH_OPEN}(\\d+)${STASH_CLOSE}`, 'g');
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[A-Za-z]/g;
const UNIQUE_ID_RE =
  /(?<![A-Za-z0-9])(AROA|AIDA|AGPA|ANPA|ANVA|AIPA|APKA|ASCA|ACCA|AKIA|ASIA|ABIA|ACRA)[A-Z0-9]{12,}(?![A-Za-z0-9])(?::([A-Za-z0-9_+=,.@-]+))?/g;
const HEX64_RE = /(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])/g;
const UUID_RE = /(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z-])/g;
const MRK_RE = /(?<![0-9A-Za-z-])mrk-[0-9a-fA-F]{32}(?![0-9A-Za-z])/g;
const BARE_ALIAS_RE = /(?<![A-Za-z0-9:/_-])alias\/((?:\$\{[^}\s]*\}|[A-Za-z0-9/_*?-])+)/g;
/** BARE_ALIAS_RE for text(), where a policy variable cannot run into a placeholder (see outside()). */
const BARE_ALIAS_TEXT_RE = /(?<![A-Za-z0-9:/_-])alias\/((?:\$\{[^}\s\uE000\uE001]*\}|[A-Za-z0-9/_*?-])+)/g;
/**
 * The resource of an IAM or STS principal ARN written without the ARN's head (role/team/app,
 * assumed-role/app/session), in the inputs' texts: its names are learned as the whole ARN's are.
 * A pattern (role/app-*) is none: it is learned as a pattern where it is a whole value.
 */
const PARTIAL_ARN_RE = /(?<![A-Za-z0-9:/_.@+=,-])(?:role|user|group|assumed-role|federated-user)\/[A-Za-z0-9_+=,.@/-]+(?![A-Za-z0-9_+=,.@/*?$-])/g;
/** How IAM's access-denied messages name the role, user or group they refused: "on resource: role app". */
const ON_RESOURCE_RE = /\bon resource: (role|user|group) ([A-Za-z0-9_+=,.@-]+)/g;
const ORG_ID_RE = /(?<![A-Za-z0-9-])(o-[a-z0-9]{10,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})(?![A-Za-z0-9-])/g;
/** An organization id (or OU id) as a whole value. */
const ORG_ID_WHOLE = /^(?:o-[a-z0-9]{10,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$/;
const VPC_RE = /(?<![A-Za-z0-9-])(vpce|vpc)-[0-9a-f]{8,17}(?![A-Za-z0-9-])/g;
const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?![A-Za-z0-9.-])/g;
const IPV4_RE = /(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?(?![0-9.])/g;
/** An address (or block) in the ranges RFC 5737 reserves for documentation. */
const DOCUMENTATION_IPV4 = /^(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}(?:\/(?:2[4-9]|3[0-2]))?$/;
const ACCOUNT_RE = /(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])/g;
/** The expressions text() runs through outside() (for the test that it matches as the split did). */
export const OUTSIDE_PATTERNS: readonly RegExp[] = [
  BARE_ALIAS_TEXT_RE,
  UNIQUE_ID_RE,
  ORG_ID_RE,
  VPC_RE,
  EMAIL_RE,
  HEX64_RE,
  UUID_RE,
  MRK_RE,
  IPV4_RE,
  ACCOUNT_RE,
];

/** Where grant ids appear in kms-why's outputs, by context. */
const GRANT_ID_CONTEXTS: RegExp[] = [
  /"grantId"\s*:\s*"([^"\\]+)"/gi,
  /"source"\s*:\s*"grant"\s*,\s*"id"\s*:\s*"([^"\\]+)"/g,
  /--grant-id(?:=|\s+)'?([^\s']+)'?/g,
  /\bgrants?\s+`?([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9])`?/gi,
];

/** Placeholder shapes, by kind: a value of that shape is taken as already redacted. */
const SHAPES: Partial<Record<PlaceholderKind, RegExp>> = {
  account: /^0{6}\d{6}$/,
  key: /^(?:00000000-0000-0000-0000-\d{12}|mrk-0{16}\d{16})$/,
  id: /^[A-Z]{4}0{5,}\d+$/,
  grant: /^grant-\d+$/,
  token: /^token-\d+$/,
  sid: /^Sid\d+$/,
  file: /^file-\d+(\.[A-Za-z0-9]+)?$/,
  email: /^email-\d+@example\.com$/,
  vpce: /^vpce-0{9}\d{8}$/,
  vpc: /^vpc-0{9}\d{8}$/,
  org: /^o-0{4}\d{6}$/,
  ou: /^ou-0000-0{2}\d{6}$/,
};
/** A pattern as redaction writes it: `*` and the marker of the names it matched. */
const REDACTED_PATTERN = /^\*-x(\d+)x\*$/;
/** Names' placeholders; a value's may be written in capitals in part (VALUE-1, a case variant: see caseVariant()). */
const NAME_SHAPE = /^(?:role|user|session|group|policy|alias|function|grant-name|resource|path|policy-id|[vV][aA][lL][uU][eE]|name)-\d+(?:-x\d+x)*$/;

/** The words of a principal ARN, kept in a --principal pattern (principalPattern). */
const PATTERN_WORDS = new Set(['arn', 'aws', 'aws-cn', 'aws-us-gov', 'iam', 'sts', 'role', 'user', 'assumed-role', 'federated-user', 'root', 'service-role']);

/** Words never taken as a name to replace: the report's own vocabulary. */
const STOP_WORDS = new Set(
  [
    'aws',
    'kms',
    'iam',
    'sts',
    'root',
    'key',
    'keys',
    'alias',
    'aliases',
    'role',
    'roles',
    'user',
    'users',
    'group',
    'grant',
    'grants',
    'grantee',
    'policy',
    'policies',
    'session',
    'sessions',
    'function',
    'functions',
    'lambda',
    'service',
    'service-role',
    'account',
    'accounts',
    'allow',
    'deny',
    'unknown',
    'yes',
    'no',
    'none',
    'all',
    'any',
    'true',
    'false',
    'null',
    'default',
    'the',
    'and',
    'for',
    'not',
    'action',
    'actions',
    'principal',
    'principals',
    'resource',
    'resources',
    'condition',
    'conditions',
    'statement',
    'statements',
    'request',
    'key-policy',
    'identity-policy',
    'permissions-boundary',
    'session-policy',
    'scp',
    'rcp',
    'implicit',
    'explicit',
    'state',
    'active',
    'retired',
    'enabled',
    'disabled',
    'read',
    'absent',
    'unreadable',
    'hint',
    'hints',
    'name',
    'names',
    'operation',
    'operations',
    'context',
    'decrypt',
    'encrypt',
    'with',
    'from',
    'this',
    'that',
    'its',
    'has',
    'must',
    'customer',
    'version',
    'effect',
    'error',
    'file',
    'json',
    'text',
    'table',
    'markdown',
    'output',
    'table',
    'value',
  ].concat(ACTIONS.map((a) => a.short.toLowerCase())),
);
const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
const SERVICE_HOST_RE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;
/** A number or a date and time: what numeric and date condition operators compare (conditionValue). */
const COMPARED_AS_MORE_THAN_TEXT = /^(?:-?\d+(?:\.\d+)?|\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)$/;

/** JSON members whose string values are vocabulary, never identifiers. */
const VOCABULARY_FIELDS = new Set([
  'Version',
  'Effect',
  'Action',
  'NotAction',
  'KeyState',
  'KeyManager',
  'KeyUsage',
  'KeySpec',
  'CustomerMasterKeySpec',
  'Origin',
  'Operations',
  'State',
  'MultiRegionKeyType',
  'EncryptionAlgorithms',
  'SigningAlgorithms',
  'MacAlgorithms',
  'KeyAgreementAlgorithms',
  'Runtime',
  'PackageType',
  'LastUpdateStatus',
  'Architectures',
  'action',
  'operations',
  'keyState',
  'keyManager',
  'keyUsage',
  'keySpec',
  'origin',
  'state',
  'effect',
  'decision',
  'decidedBy',
  'access',
  'kind',
  'eventSource',
  'eventName',
  'eventType',
  'errorCode',
  'awsRegion',
  'region',
  'Region',
  'capturedAt',
  'CreationDate',
  'creationDate',
  'eventTime',
  'LastModified',
  'DeletionDate',
  'ValidTo',
  'PendingDeletionWindowInDays',
  'ExpirationModel',
  'neededPermission',
  'userAgent',
  'type',
  'Type',
  'eventVersion',
  'readOnly',
  'managementEvent',
  'eventCategory',
  'recipientAccountId_',
  'confidence',
  'reasonIds_',
]);

/**
 * Objects whose members' values are data and whose keys are names kept as they are: tags, and
 * encryption contexts (request and CloudTrail requestParameters, ReEncrypt's source and
 * destination, grant constraints in every spelling kms-why reads).
 */
const DATA_MAPS =
  /^(?:Tags|tags|PrincipalTags|principalTags|Variables|ResourceTags|(?:source|destination)?(?:encryptionContext|EncryptionContext)(?:Equals|Subset)?|(?:Source|Destination)EncryptionContext)$/;
/** A condition key on one encryption-context pair (kms:EncryptionContext:tenant), not kms:EncryptionContextKeys. */
const CONTEXT_KEY = /^kms:EncryptionContext:./i;

/** JSON members whose string value is a name of this kind. */
const NAME_FIELDS: Record<string, PlaceholderKind> = {
  RoleName: 'role',
  UserName: 'user',
  GroupName: 'group',
  FunctionName: 'function',
  PolicyName: 'policy',
  InstanceProfileName: 'resource',
  Name: 'grant-name',
  name: 'grant-name',
  Sid: 'sid',
  Id: 'policy-id',
  GrantId: 'grant',
  grantId: 'grant',
  GrantToken: 'token',
  grantToken: 'token',
  sessionName: 'session',
  roleName: 'role',
  userName: 'user',
};

/** The order a value seen as several kinds takes its label from (a session named after its function is function-1). */
const KIND_PRIORITY: PlaceholderKind[] = [
  'function',
  'role',
  'user',
  'group',
  'alias',
  'session',
  'policy',
  'grant-name',
  'resource',
  'value',
  'sid',
  'policy-id',
  'path',
  'grant',
  'token',
  'name',
];

/** Applies `fn` to the parts of `t` outside placeholders already put in. */
export function plain(t: string, fn: (s: string) => string): string {
  if (!t.includes(OPEN)) return fn(t);
  return t
    .split(new RegExp(`(${OPEN}[^${CLOSE}]*${CLOSE})`))
    .map((seg) => (seg.startsWith(OPEN) ? seg : fn(seg)))
    .join('');
}

/**
 * `t` with every match of `re` (global) outside the placeholders already put in replaced by `fn`
 * of it: what `plain(t, (x) => x.replace(re, fn))` gives, in one scan of `t`. That split `t` at
 * every placeholder and ran `re` on each part: a rendered jsonl chunk holds thousands of
 * placeholders after the ARN pass, and every later pass paid thousands of calls (--redact wrote
 * jsonl at 5 MB/s). The same matches, provided that `re` can match neither OPEN nor CLOSE and
 * looks around only with negative classes without them (then a placeholder's marker next to a
 * match reads as the end of a part did): true of every expression passed here. Placeholders are
 * whole (every OPEN has its CLOSE): text() shows the input's own markers as U+FFFD.
 */
export function outside(t: string, re: RegExp, fn: (m: string, g1: string | undefined, g2: string | undefined) => string): string {
  let placeholderAt = t.indexOf(OPEN);
  if (placeholderAt < 0) return t.replace(re, fn as (m: string, ...rest: unknown[]) => string);
  let placeholderEnd = t.indexOf(CLOSE, placeholderAt);
  let out = '';
  let from = 0;
  re.lastIndex = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    const at = m.index;
    // The placeholder that ends at or after the match (as the split read them: OPEN to its first CLOSE).
    while (placeholderAt >= 0 && placeholderEnd >= 0 && placeholderEnd < at) {
      placeholderAt = t.indexOf(OPEN, placeholderEnd + 1);
      placeholderEnd = placeholderAt < 0 ? -1 : t.indexOf(CLOSE, placeholderAt);
    }
    if (placeholderAt >= 0 && placeholderEnd >= 0 && placeholderAt < at) {
      // Inside a placeholder: go on after it.
      re.lastIndex = placeholderEnd + 1;
      continue;
    }
    out += t.slice(from, at) + fn(m[0], m[1], m[2]);
    from = at + m[0].length;
    if (m[0] === '') re.lastIndex++;
  }
  re.lastIndex = 0;
  return from === 0 ? t : out + t.slice(from);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isWildcardOrVariable(s: string): boolean {
  return s === '' || /^(?:[*?]|\$\{[^}]*\})+$/.test(s);
}

function hasPattern(s: string): boolean {
  return /[*?]|\$\{/.test(s);
}

/** The literal letters and digits of a pattern: patterns without any reveal nothing and stay. */
function patternLiteral(s: string): string {
  return s.replace(/\$\{[^}]*\}/g, '').replace(/[^A-Za-z0-9]/g, '');
}

/**
 * A policy pattern as a matcher of names: `*` and a policy variable match any run of characters,
 * `?` one. Matched without regular expressions (model/wildcard.ts): a pattern is input, and one
 * such as `role/a*a*a*…c` made a backtracking regular expression take minutes on a long name.
 */
function patternMatcher(p: string): Wildcard {
  let glob = '';
  for (const part of p.split(/(\$\{[^}]*\}|\*|\?)/)) glob += part === '*' || part.startsWith('${') ? '*' : part;
  return new Wildcard(glob);
}

/** Splits an ARN resource at `/` outside of ${…} policy variables. */
function splitSlash(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '$' && s[i + 1] === '{') depth++;
    if (ch === '}' && depth > 0) depth--;
    if (ch === '/' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class Redactor {
  private readonly values = new Map<string, string>();
  /** Each placeholder issued → the value it stands for (original()). Never printed. */
  private readonly originals = new Map<string, string>();
  private readonly issued = new Set<string>();
  private readonly counters = new Map<string, number>();
  /** Names learned from the inputs' fields and ARNs → their kind; replaced wherever they stand as a word. */
  private readonly learned = new Map<string, PlaceholderKind>();
  /** Patterns with literal parts (role/app-*), in the order learned, with the marker (-xNx) of the names they match. */
  private readonly patterns: Array<{ text: string; re: Wildcard; marker: number }> = [];
  private readonly patternIndex = new Map<string, number>();
  /** The highest marker an already redacted document holds (role-1-x3x, *-x3x*): its patterns stay, and new ones are numbered after it. */
  private reservedMarker = 0;
  private readonly files = new Map<string, string>();
  /** Values replaced by value-N, by their text in lower case → N (see caseVariant). */
  private readonly valueCases = new Map<string, number>();
  /**
   * `key\0value` (both in lower case) for each value an input's condition compares a key other
   * than a tag, encryption-context or user-name key with, written as it is (conditionValue).
   */
  private readonly conditionLiterals = new Set<string>();
  private readonly salt = randomBytes(16);
  private learning = false;
  /** The learned names as one expression (null: none is eligible; undefined: not made yet, see replaceLearned). */
  private literalRe: RegExp | null | undefined;

  // ── Public API ──────────────────────────────────────────────────────────────────────────────

  /**
   * Learns the identifiers of input documents (their names, grant ids, tag values and the patterns
   * their policies match names with) before any of them is replaced: call it with every input first.
   */
  learn(...docs: unknown[]): void {
    this.learning = true;
    try {
      // "redacted": true never turns redaction off (see the top of this file): its placeholders
      // are reserved before any name is learned, then it is learned as any other document.
      for (const d of docs) if (isRedactedDocument(d)) this.reserveAll(d);
      for (const d of docs) this.walk(d, undefined);
    } finally {
      this.learning = false;
      this.literalRe = undefined;
    }
  }

  /** A copy of a JSON document with every identifier replaced (the placeholders of a redacted document map to themselves). */
  json<T>(doc: T): T {
    return this.walk(doc, undefined) as T;
  }

  /** A value that stands for data (a flag value, an encryption-context value): replaced as a whole where it is a known name. */
  value(s: string): string {
    return this.structured(s, undefined);
  }

  /**
   * An encryption-context value (a --context or --grant-constraint-* pair's value, a --condition
   * on kms:EncryptionContext:…): as the inputs' context values and tag values are (dataValue), so
   * that the request and the policies and grants name the same placeholder. Learned as it is
   * replaced, so that the safety net of text() replaces it wherever it is printed.
   */
  contextValue(s: string): string {
    return this.remember(s, this.dataValue(s), 'value');
  }

  /** `p`, the placeholder of `s`: `s` learned as a name of this kind, so that text() replaces it wherever it is printed. */
  private remember(s: string, p: string, kind: PlaceholderKind): string {
    if (p !== s && !this.learned.has(s) && this.eligible(s)) {
      this.learned.set(s, kind);
      this.literalRe = undefined;
    }
    return p;
  }

  /**
   * A value of a request-context key the user gave (--condition KEY=VALUE): redacted as the inputs'
   * values of that key are in a condition (condition()), so that every comparison comes out as
   * before — a tag or encryption-context value as a data value, a user name as a user, an
   * identifier (an ARN, an account, an address …) as one. Any other value is data as well (a
   * source identity, a user agent, a referer …) and gets a value placeholder, but for what a
   * comparison reads as more than text and what reveals nothing: a number or a time (numeric and
   * date operators), the report's vocabulary (true, false …), AWS's own names (a Region, a service
   * host), and a value an input's condition on the same key writes as it is (it stays there too,
   * and the two must still compare equal). Learned as it is replaced, as contextValue is.
   */
  conditionValue(key: string, v: string): string {
    if (CONTEXT_KEY.test(key) || /tag\//i.test(key)) return this.contextValue(v);
    // Encryption-context keys are schema names, kept in the inputs' conditions on this key too.
    if (/^kms:EncryptionContextKeys$/i.test(key)) return v;
    if (/^aws:username$/i.test(key) && !v.startsWith('arn:')) return this.remember(v, this.name('user', v), 'user');
    const s = this.structured(v, undefined);
    if (
      s !== v ||
      this.issued.has(v) ||
      isWildcardOrVariable(v) ||
      COMPARED_AS_MORE_THAN_TEXT.test(v) ||
      REGION_RE.test(v) ||
      SERVICE_HOST_RE.test(v) ||
      STOP_WORDS.has(v.toLowerCase()) ||
      this.conditionLiterals.has(`${key.toLowerCase()}\0${v.toLowerCase()}`)
    )
      return s;
    return this.contextValue(v);
  }

  /**
   * A value of the input that kms-why refused, quoted in an error (a --context item without "=", a
   * condition value that is no IP address): a placeholder for the whole of it. It is no name learned
   * from the inputs, and text() would replace only the identifiers it recognises in it.
   */
  datum(s: string): string {
    return this.name(this.learned.get(s) ?? 'value', s);
  }

  /**
   * The principal ARN a redacted one stands for: its account id and each name of its resource put
   * back (what was not replaced stays). For matching what the user typed with the real names against
   * principals derived from redacted inputs (who-can --principal, a diff of who-can reports): the
   * result is never printed.
   */
  original(arn: string): string {
    const back = (x: string): string => this.originals.get(x) ?? x;
    if (!arn.startsWith('arn:')) return back(arn);
    const parts = arn.split(':');
    if (parts.length < 6) return arn;
    return [...parts.slice(0, 4), back(parts[4]!), parts.slice(5).join(':').split('/').map(back).join('/')].join(':');
  }

  /**
   * A who-can --principal pattern (matched against whole ARNs: a substring, or `*` and `?`
   * wildcards), for showing: each account id and name in it as the ARNs show them, the words of an
   * ARN kept, any other text a placeholder. Placeholders do not keep what a substring or a wildcard
   * matched, so the result only names the pattern: it is not matched against redacted ARNs.
   */
  principalPattern(pattern: string): string {
    return pattern
      .split(/([/:*?])/)
      .map((t) => {
        if (t === '' || /^[/:*?]$/.test(t) || PATTERN_WORDS.has(t) || SERVICE_HOST_RE.test(t) || this.issued.has(t)) return t;
        if (/^\d{12}$/.test(t)) return this.account(t);
        if (this.learned.has(t) || this.values.has(`name\0${t}`)) return this.name(this.learned.get(t) ?? 'name', t);
        return this.placeholder('name', t, (n) => `pattern-${n}`);
      })
      .join('');
  }

  /** Free text (an error message, a description, a rendered report): every identifier in it replaced. */
  text(given: string): string {
    return this.freeText(given, false);
  }

  /** text(), for an output (`data` false) or for a value of the inputs (`data` true). */
  private freeText(given: string, data: boolean): string {
    // The four private-use characters text() marks its own work with: in the input they would
    // mark an identifier as done, and it was printed as it is (an ARN written between U+E000 and
    // U+E001 kept its account id and name). They are shown as U+FFFD instead.
    const s = given.replace(PRIVATE_RE, '\uFFFD');
    const stash: string[] = [];
    let t = s.replace(ANSI_RE, (m) => {
      stash.push(m);
      return `${STASH_OPEN}${stash.length - 1}${STASH_CLOSE}`;
    });
    t = this.replaceFiles(t);
    t = plain(t, (x) => x.replace(ARN_RE, (m) => this.mark(this.arnInText(m))));
    // An AWS managed alias stays, marked done: no learned name is taken from it (alias/aws/ebs).
    t = outside(t, BARE_ALIAS_TEXT_RE, (m, name) => (name!.startsWith('aws/') ? this.mark(m) : this.mark(`alias/${this.nameSegments('alias', name!)}`)));
    t = outside(t, UNIQUE_ID_RE, (m, _p, session) => {
      const id = session === undefined ? m : m.slice(0, m.length - session.length - 1);
      return this.mark(this.uniqueId(id) + (session === undefined ? '' : `:${this.name('session', session)}`));
    });
    t = outside(t, ORG_ID_RE, (m) => this.mark(this.org(m)));
    t = outside(t, VPC_RE, (m, kind) => this.mark(this.vpc(kind as 'vpc' | 'vpce', m)));
    t = outside(t, EMAIL_RE, (m) => this.mark(this.placeholder('email', m, (n) => `email-${n}@example.com`)));
    t = outside(t, HEX64_RE, (m) => this.mark(this.grantId(m)));
    t = outside(t, UUID_RE, (m) => this.mark(this.keyId(m)));
    t = outside(t, MRK_RE, (m) => this.mark(this.keyId(m)));
    // In an output, documentation addresses (RFC 5737) stay: no network uses them, and kms-why's
    // hints give them as examples ("Write it as --condition aws:SourceIp=203.0.113.7"), which
    // remapped read as someone's address. In the inputs' values they are remapped as any address
    // (kept, one could equal the remapping of a real address, and a CIDR condition would match it).
    t = outside(t, IPV4_RE, (m) => (!data && DOCUMENTATION_IPV4.test(m) ? m : this.mark(this.ip(m))));
    t = outside(t, ACCOUNT_RE, (m) => this.mark(this.account(m)));
    this.learnGrantIds(t);
    t = this.replaceLearned(t);
    t = t.replace(MARKS_RE, '');
    return stash.length === 0 ? t : t.replace(STASHED_RE, (_m, i: string) => stash[Number(i)]!);
  }

  /** The placeholder for a file name given on the command line (its extension kept). */
  file(path: string): string {
    if (path === '-' || path === '' || this.issued.has(path)) return path;
    let p = this.files.get(path);
    if (p === undefined) {
      const ext = /\.[A-Za-z0-9]{1,8}$/.exec(path)?.[0] ?? '';
      p = `file-${this.next('file')}${ext}`;
      this.files.set(path, p);
      this.issued.add(p);
    }
    return p;
  }

  /** Kept for the old API: a rendered output with every identifier replaced. */
  redact(text: string, _options: RedactOptions = {}): string {
    return this.text(text);
  }

  // ── Placeholders ────────────────────────────────────────────────────────────────────────────

  private mark(s: string): string {
    return `${OPEN}${s}${CLOSE}`;
  }

  private next(counter: string, format: (n: number) => string = String): number {
    let n = this.counters.get(counter) ?? 0;
    do n++;
    while (this.issued.has(format(n)));
    this.counters.set(counter, n);
    return n;
  }

  /** The placeholder for an opaque value of one kind (accounts, key ids, grant ids …). */
  private placeholder(kind: PlaceholderKind, value: string, format?: (n: number) => string): string {
    if (this.issued.has(value)) return value;
    const shape = SHAPES[kind];
    if (shape?.test(value)) {
      this.issued.add(value);
      return value;
    }
    const k = `${kind}\0${value}`;
    let p = this.values.get(k);
    if (p === undefined) {
      const fmt = format ?? ((n: number): string => `${kind}-${n}`);
      const n = this.next(kind, fmt);
      p = fmt(n);
      this.values.set(k, p);
      this.issued.add(p);
      this.originals.set(p, value);
    }
    return p;
  }

  private account(v: string): string {
    return this.placeholder('account', v, (n) => String(n).padStart(12, '0'));
  }

  private keyId(v: string): string {
    const lower = v.toLowerCase();
    if (lower.startsWith('mrk-')) return this.placeholder('key', lower, (n) => `mrk-${String(n).padStart(32, '0')}`);
    return this.placeholder('key', lower, (n) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);
  }

  private grantId(v: string): string {
    return this.name('grant', v);
  }

  private uniqueId(v: string): string {
    const prefix = v.slice(0, 4);
    return this.placeholder('id', v, (n) => `${prefix}${String(n).padStart(17, '0')}`);
  }

  private org(v: string): string {
    if (v.startsWith('ou-')) return this.placeholder('ou', v, (n) => `ou-0000-${String(n).padStart(8, '0')}`);
    return this.placeholder('org', v, (n) => `o-${String(n).padStart(10, '0')}`);
  }

  private vpc(kind: 'vpc' | 'vpce', v: string): string {
    return this.placeholder(kind, v, (n) => `${kind}-${String(n).padStart(17, '0')}`);
  }

  /**
   * IPv4 addresses keep their prefixes (a bit-wise keyed mapping), so that a CIDR block still holds
   * exactly the addresses it held: aws:SourceIp conditions evaluate as before.
   */
  private ip(m: string): string {
    const [addr, cidr] = m.split('/') as [string, string | undefined];
    if (isIP(addr) !== 4 || this.issued.has(m)) return m;
    const k = `ip\0${m}`;
    const known = this.values.get(k);
    if (known !== undefined) return known;
    const octets = addr.split('.').map(Number);
    let bits = '';
    for (const o of octets) bits += o.toString(2).padStart(8, '0');
    let out = '';
    for (let i = 0; i < 32; i++) {
      const flip = createHmac('sha256', this.salt).update(bits.slice(0, i)).digest()[0]! & 1;
      out += String(Number(bits[i]) ^ flip);
    }
    const mapped = [0, 8, 16, 24].map((i) => parseInt(out.slice(i, i + 8), 2)).join('.') + (cidr === undefined ? '' : `/${cidr}`);
    this.values.set(k, mapped);
    this.issued.add(mapped);
    return mapped;
  }

  private eligible(v: string): boolean {
    return (
      v.length >= 2 &&
      !/^\d+$/.test(v) &&
      !STOP_WORDS.has(v.toLowerCase()) &&
      !REGION_RE.test(v) &&
      !hasPattern(v) &&
      !NAME_SHAPE.test(v) &&
      !this.issued.has(v)
    );
  }

  /** A name (role, function, Sid, tag value …): one placeholder per distinct value, whatever its kind. */
  private name(kind: PlaceholderKind, v: string): string {
    if (isWildcardOrVariable(v)) return v;
    // The report's own vocabulary (a Sid "Root", a tag value "true") reveals nothing and stays.
    if (STOP_WORDS.has(v.toLowerCase())) return v;
    if (hasPattern(v)) return this.pattern(v);
    if (this.issued.has(v) || NAME_SHAPE.test(v) || SHAPES[kind]?.test(v)) {
      this.issued.add(v);
      return v;
    }
    if (this.learning) {
      const prev = this.learned.get(v);
      if (prev === undefined || KIND_PRIORITY.indexOf(kind) < KIND_PRIORITY.indexOf(prev)) this.learned.set(v, kind);
      return v;
    }
    const k = `name\0${v}`;
    let p = this.values.get(k);
    if (p === undefined) {
      const label = this.learned.get(v) ?? kind;
      const markers = this.patterns.flatMap((pat) => (pat.re.test(v) ? [`-x${pat.marker}x`] : [])).join('');
      const variant = label === 'value' ? this.caseVariant(v, markers) : undefined;
      if (variant !== undefined) {
        this.values.set(k, variant);
        this.issued.add(variant);
        this.originals.set(variant, v);
        return variant;
      }
      const fmt =
        label === 'sid'
          ? (n: number): string => `Sid${n}`
          : label === 'grant'
            ? (n: number): string => `grant-${n}`
            : label === 'token'
              ? (n: number): string => `token-${n}`
              : (n: number): string => `${label}-${n}${markers}`;
      const n = this.next(label, fmt);
      p = fmt(n);
      this.values.set(k, p);
      this.issued.add(p);
      this.originals.set(p, v);
      if (label === 'value' && !this.valueCases.has(v.toLowerCase())) this.valueCases.set(v.toLowerCase(), n);
    }
    return p;
  }

  /**
   * A value that equals one already replaced but for case (FINANCE after Finance) is that value's
   * placeholder with other letters in capitals (VALUE-1 beside value-1): a StringEqualsIgnoreCase
   * condition on an encryption-context or tag value still matches it, and StringEquals still tells
   * them apart. Its markers are its own (StringLike is case-sensitive). undefined: no value was
   * replaced with its case, or its 31 variants are taken (it gets a number of its own).
   */
  private caseVariant(v: string, markers: string): string | undefined {
    const n = this.valueCases.get(v.toLowerCase());
    if (n === undefined) return undefined;
    for (let bits = 1; bits < 32; bits++) {
      const label = [...'value'].map((c, i) => (bits & (1 << i) ? c.toUpperCase() : c)).join('');
      const p = `${label}-${n}${markers}`;
      if (!this.issued.has(p)) return p;
    }
    return undefined;
  }

  /** A pattern with literal parts: learned, then replaced by one that matches the markers of the names it matched. */
  private pattern(v: string): string {
    if (patternLiteral(v) === '') return v;
    // A redacted document's own pattern keeps its marker: its names carry it already.
    const own = REDACTED_PATTERN.exec(v);
    if (own !== null && Number(own[1]) <= this.reservedMarker) return v;
    if (this.learning) {
      if (!this.patternIndex.has(v)) {
        const last = this.patterns[this.patterns.length - 1]?.marker ?? 0;
        this.patternIndex.set(v, this.patterns.length);
        this.patterns.push({ text: v, re: patternMatcher(v), marker: Math.max(last, this.reservedMarker) + 1 });
      }
      return v;
    }
    const i = this.patternIndex.get(v);
    // A pattern first seen after the inputs were learned (a flag): it can match no placeholder.
    if (i === undefined) return this.placeholder('name', v, (n) => `pattern-${n}`);
    return `*-x${this.patterns[i]!.marker}x*`;
  }

  /**
   * A value that is data wherever it stands — a tag value, an encryption-context value (of a
   * request, a grant constraint, a CloudTrail event, or a condition on kms:EncryptionContext:…):
   * one placeholder per distinct value (value-1, or the placeholder of the name it equals), so
   * that every comparison of them comes out as before. An ARN (aws:lambda:FunctionArn,
   * aws:s3:arn …) is redacted as an ARN and an alias name as an alias; AWS-owned values stay
   * (a service host name, a region); a pattern of a StringLike condition is rewritten to match the
   * markers of the values it matched (see pattern()).
   */
  private dataValue(v: string): string {
    if (v === '' || v.startsWith('arn:') || v.startsWith('alias/')) return this.structured(v, undefined);
    if (REGION_RE.test(v) || SERVICE_HOST_RE.test(v)) return v;
    return this.name('value', v);
  }

  /** Path-like names (role paths, alias names with slashes): each segment on its own. */
  private nameSegments(kind: PlaceholderKind, v: string): string {
    const segs = splitSlash(v);
    return segs.map((s, i) => (s === '' ? s : this.name(i === segs.length - 1 ? kind : 'path', s))).join('/');
  }

  private path(v: string): string {
    if (!v.startsWith('/') || v === '/' || v.startsWith('/aws-service-role/') || v === '/service-role/') return v;
    return splitSlash(v)
      .map((s) => (s === '' ? s : this.name('path', s)))
      .join('/');
  }

  // ── ARNs ────────────────────────────────────────────────────────────────────────────────────

  private arnInText(m: string): string {
    // Trailing sentence punctuation is not part of the ARN.
    const trail = /[.:?!]+$/.exec(m)?.[0] ?? '';
    const core = trail === '' ? m : m.slice(0, -trail.length);
    return this.arn(core) + trail;
  }

  private arn(a: string): string {
    const parts = a.split(':');
    if (parts.length < 6) return a;
    const [, partition, service, region, account] = parts as [string, string, string, string, string];
    const resource = parts.slice(5).join(':');
    if (account === 'aws' || resource === '') return a;
    const acct = /^\d{12}$/.test(account) ? this.account(account) : account;
    return `arn:${partition}:${service}:${region}:${acct}:${this.resource(service, resource)}`;
  }

  private resource(service: string, r: string): string {
    if (r === 'root' || isWildcardOrVariable(r)) return r;
    // A resource type alone (an ARN broken off after "role/" or "function:").
    if (/^[A-Za-z-]+[/:]$/.test(r)) return r;
    if (service === 'iam') {
      const m = /^(role|user|group|policy|instance-profile|server-certificate|saml-provider|oidc-provider|mfa|sms-mfa)\/(.*)$/.exec(r);
      if (m) {
        const type = m[1]!;
        if (type === 'role' && m[2]!.startsWith('aws-service-role/')) return r;
        // A name the user is to fill in is no entity of the account.
        if (type === 'role' && m[2] === FILL_IN_ROLE) return r;
        const segs = splitSlash(m[2]!);
        const last = segs.pop()!;
        const kind: PlaceholderKind = type === 'role' || type === 'user' || type === 'group' || type === 'policy' ? type : 'resource';
        // The path to fill in of a role whose path is not known is no path of the account either.
        const path = segs.map((p) => (p === '' || p === 'service-role' || (type === 'role' && p === FILL_IN_ROLE_PATH) ? p : this.name('path', p)));
        return `${type}/${path.map((p) => `${p}/`).join('')}${this.name(kind, last)}`;
      }
    }
    if (service === 'sts') {
      const ar = /^assumed-role\/([^/]+)\/(.*)$/.exec(r);
      if (ar) return `assumed-role/${this.name('role', ar[1]!)}/${this.name('session', ar[2]!)}`;
      const fu = /^federated-user\/(.+)$/.exec(r);
      if (fu) return `federated-user/${this.name('user', fu[1]!)}`;
    }
    if (service === 'kms') {
      const k = /^key\/(.+)$/.exec(r);
      if (k) return `key/${isWildcardOrVariable(k[1]!) ? k[1]! : hasPattern(k[1]!) ? this.pattern(k[1]!) : this.keyId(k[1]!)}`;
      const al = /^alias\/(.+)$/.exec(r);
      if (al) return al[1]!.startsWith('aws/') ? r : `alias/${this.nameSegments('alias', al[1]!)}`;
    }
    if (service === 'lambda') {
      const f = /^function:([^:]+)(:.*)?$/.exec(r);
      if (f) return `function:${this.name('function', f[1]!)}${f[2] ?? ''}`;
    }
    if (service === 's3') {
      const segs = splitSlash(r);
      return segs.map((s) => (s === '' ? s : this.name('resource', s))).join('/');
    }
    const g = /^([A-Za-z][A-Za-z0-9-]*)([/:])(.+)$/.exec(r);
    if (g)
      return `${g[1]}${g[2]}${splitSlash(g[3]!)
        .map((s) => (s === '' ? s : this.name('resource', s)))
        .join('/')}`;
    return this.name('resource', r);
  }

  // ── Structured values and JSON ─────────────────────────────────────────────────────────────

  /** A whole string value of a document or a flag. */
  private structured(s: string, field: string | undefined): string {
    if (s === '' || s === '*') return s;
    if (field !== undefined) {
      // An organization's Id (a snapshot's Organization.Id, DescribeOrganization's answer) is an
      // organization id, not a policy Id: it gets the organization placeholder (o-0000000001), the
      // one an aws:PrincipalOrgID condition's value gets, so that the snapshot still parses and the
      // condition still compares equal. A policy Id of that shape takes it too, harmlessly.
      if (field === 'Id' && ORG_ID_WHOLE.test(s)) return this.learning ? s : this.org(s);
      const kind = NAME_FIELDS[field];
      if (kind !== undefined && !s.startsWith('arn:')) return this.name(kind, s);
      if (field === 'AliasName' || field === 'aliasName')
        return s.startsWith('alias/') && !s.startsWith('alias/aws/') ? `alias/${this.nameSegments('alias', s.slice(6))}` : s;
      if (field === 'Path' || field === 'path') return this.path(s);
    }
    // An ARN value is one identifier even where its name holds a control character (no IAM name
    // can, so it is no principal, but it is printed as "not evaluated"): free text would end the
    // ARN there, and the rest of the name would survive.
    if (/^arn:[^:\s]*:[^:\s]*:[^:\s]*:[^:\s]*:/.test(s) && !/\s/.test(s.replace(CONTROL_RE, ''))) return this.arn(s);
    if (this.learning) {
      // Learning only looks into ARNs inside longer texts, whole or in part (an AWS error message
      // names a role as "role app" or "role/team/app").
      for (const m of s.matchAll(ARN_RE)) this.arnInText(m[0]);
      for (const m of s.matchAll(PARTIAL_ARN_RE)) {
        const r = m[0].replace(/[.,]+$/, '');
        if (!r.endsWith('/')) this.resource(r.startsWith('assumed-role/') || r.startsWith('federated-user/') ? 'sts' : 'iam', r);
      }
      for (const m of s.matchAll(ON_RESOURCE_RE)) this.name(m[1] as PlaceholderKind, m[2]!.replace(/[.,]+$/, ''));
      for (const m of s.matchAll(BARE_ALIAS_RE)) if (!m[1]!.startsWith('aws/')) this.nameSegments('alias', m[1]!);
      if (hasPattern(s) && !/\s/.test(s)) this.pattern(s);
      return s;
    }
    if ((this.learned.has(s) || this.values.has(`name\0${s}`)) && this.eligible(s)) return this.name(this.learned.get(s) ?? 'name', s);
    if (hasPattern(s) && !/\s/.test(s) && this.patternIndex.has(s)) return this.pattern(s);
    return this.freeText(s, true);
  }

  private walk(v: unknown, field: string | undefined): unknown {
    if (typeof v === 'string') {
      if (field !== undefined && VOCABULARY_FIELDS.has(field)) return v;
      return this.structured(v, field);
    }
    if (Array.isArray(v)) return v.map((x) => this.walk(x, field));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // Tags: [{Key, Value}] and [{TagKey, TagValue}] (the values are names), {"k": "v"} maps.
    const tagValue = typeof o.Value === 'string' && ('Key' in o || 'TagKey' in o) ? 'Value' : typeof o.TagValue === 'string' ? 'TagValue' : undefined;
    const managed = typeof o.PolicyArn === 'string' && /^arn:aws[a-z-]*:iam::aws:/.test(o.PolicyArn);
    for (const [k, x] of Object.entries(o)) {
      const key = this.objectKey(k);
      if (k === tagValue && typeof x === 'string') out[key] = this.dataValue(x);
      else if (k === 'PolicyName' && managed) out[key] = x;
      else if (k === 'Condition' && x !== null && typeof x === 'object' && !Array.isArray(x)) out[key] = this.condition(x as Record<string, unknown>);
      else if (DATA_MAPS.test(k) && x !== null && typeof x === 'object' && !Array.isArray(x)) {
        // Tags, and encryption contexts (a request's, a grant's constraints, a CloudTrail event's):
        // their keys are schema names and stay, their values are data.
        const m: Record<string, unknown> = {};
        for (const [tk, tv] of Object.entries(x as Record<string, unknown>))
          m[this.objectKey(tk)] = typeof tv === 'string' ? this.dataValue(tv) : this.walk(tv, tk);
        out[key] = m;
      } else if (CONTEXT_KEY.test(k)) out[key] = this.contextValues(x);
      else if (k === 'CloudTrailEvent' && typeof x === 'string') out[key] = this.embeddedJson(x, k);
      else if (k === 'Principal' || k === 'NotPrincipal') out[key] = this.walk(x, 'Principal');
      else out[key] = this.walk(x, k);
    }
    return out;
  }

  /** Object keys that are data: account ids and ARNs (maps by account or principal). */
  private objectKey(k: string): string {
    if (/^\d{12}$/.test(k)) return this.learning ? k : this.account(k);
    if (k.startsWith('arn:')) {
      // While learning, the ARN is only recorded; the key is returned as it was.
      const redacted = this.arn(k);
      return this.learning ? k : redacted;
    }
    return k;
  }

  /** Condition values: tag values and user names are names; the rest as any value. */
  private condition(c: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [op, block] of Object.entries(c)) {
      if (block === null || typeof block !== 'object' || Array.isArray(block)) {
        out[op] = block;
        continue;
      }
      const b: Record<string, unknown> = {};
      for (const [ck, cv] of Object.entries(block as Record<string, unknown>)) {
        if (CONTEXT_KEY.test(ck)) {
          b[ck] = this.contextValues(cv);
          continue;
        }
        // Encryption-context keys are schema names, kept wherever they stand (a request's, a
        // grant's, a condition key's suffix): so are the keys and patterns this key is compared with.
        if (/^kms:EncryptionContextKeys$/i.test(ck)) {
          b[ck] = cv;
          continue;
        }
        const kind: PlaceholderKind | undefined = /tag\//i.test(ck) ? 'value' : /^aws:username$/i.test(ck) ? 'user' : undefined;
        if (this.learning && kind === undefined)
          for (const x of Array.isArray(cv) ? cv : [cv]) if (typeof x === 'string') this.conditionLiterals.add(`${ck.toLowerCase()}\0${x.toLowerCase()}`);
        const one = (x: unknown): unknown =>
          typeof x !== 'string'
            ? x
            : kind === 'value'
              ? this.dataValue(x)
              : kind !== undefined && !x.startsWith('arn:')
                ? this.name(kind, x)
                : this.structured(x, undefined);
        b[ck] = Array.isArray(cv) ? cv.map(one) : one(cv);
      }
      out[op] = b;
    }
    return out;
  }

  /**
   * The values of a kms:EncryptionContext:… condition key (in a condition block, or a request's
   * condition context): data values. An unquoted number in a policy is the value as written
   * (IAM compares the text), so it is one too, written as the string of its placeholder; true and
   * false (a Null condition) stay.
   */
  private contextValues(v: unknown): unknown {
    const one = (x: unknown): unknown => (typeof x === 'string' ? this.dataValue(x) : typeof x === 'number' ? this.dataValue(String(x)) : x);
    return Array.isArray(v) ? v.map(one) : one(v);
  }

  /** A JSON document held in a string (lookup-events' CloudTrailEvent): redacted as a document, written back as JSON text. */
  private embeddedJson(s: string, field: string): unknown {
    let doc: unknown;
    try {
      doc = JSON.parse(s);
    } catch {
      return this.walk(s, field);
    }
    if (doc === null || typeof doc !== 'object') return this.walk(s, field);
    const out = this.walk(doc, undefined);
    return this.learning ? s : JSON.stringify(out);
  }

  /**
   * The placeholders of a document marked redacted map to themselves: only values of a
   * placeholder's shape, which reveal nothing. Anything else in it is a name to replace, and an IP
   * address, which has no such shape, is remapped again (prefixes kept, so CIDR conditions hold).
   */
  private reserveAll(v: unknown): void {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/[A-Za-z0-9][A-Za-z0-9._@+=,-]*/g))
        if (NAME_SHAPE.test(m[0]) || Object.values(SHAPES).some((re) => re.test(m[0]))) this.issued.add(m[0]);
      for (const m of v.matchAll(/-x(\d+)x(?![A-Za-z0-9])/g)) this.reservedMarker = Math.max(this.reservedMarker, Number(m[1]));
      return;
    }
    if (Array.isArray(v)) for (const x of v) this.reserveAll(x);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        this.reserveAll(k);
        this.reserveAll(x);
      }
  }

  // ── Free text ───────────────────────────────────────────────────────────────────────────────

  private replaceFiles(t: string): string {
    if (this.files.size === 0) return t;
    const names = [...this.files.keys()].sort((a, b) => b.length - a.length);
    return t.replace(new RegExp(names.map(escapeRe).join('|'), 'g'), (m) => this.mark(this.files.get(m)!));
  }

  /** Grant ids that are not 64 hex digits (in a rendered output with no input learned), known by their context. */
  private learnGrantIds(t: string): void {
    for (const re of GRANT_ID_CONTEXTS) {
      for (const m of t.matchAll(re)) {
        const v = m[1]!;
        if (v.includes(OPEN) || v.startsWith('(') || this.issued.has(v) || this.learned.has(v) || STOP_WORDS.has(v.toLowerCase())) continue;
        if (re === GRANT_ID_CONTEXTS[3] && !/[0-9-]/.test(v)) continue;
        this.learned.set(v, 'grant');
        this.literalRe = undefined;
      }
    }
  }

  private replaceLearned(t: string): string {
    // The names are gathered once per set of learned names (learn and learnGrantIds reset it), not
    // for every string: each string of a 5,000-role snapshot once filtered every learned name
    // again, which took 20 s. A name that later becomes ineligible (a placeholder issued with its
    // text) is still matched, and name() gives it back as it is.
    if (this.literalRe === undefined) {
      // A name holding a placeholder's marker never matched a part between placeholders: left out,
      // it cannot match across one either (outside()).
      const names = [...this.learned.keys()].filter((n) => this.eligible(n) && !n.includes(OPEN) && !n.includes(CLOSE));
      names.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
      // A name ends where an IAM name cannot go on (it may end a generated name: AllowLambdaEnvDecrypt-NAME);
      // "name:value" is a condition key, not a name. It may follow "=": the value of a key=value
      // pair (an encryption-context or tag value, as the reports write them: tenant=NAME). It may
      // follow "/": a segment of a path or of an ARN written in part (role/team/NAME,
      // assumed-role/NAME/session), where the names the ARN pass replaces stand as well, and must
      // come out as they do there (the longest name first: role/team/app-team is role-1 in path-1,
      // not app- and path-1) — but for the path of a URL (a documentation link, SARIF's schema)
      // and for the key of a condition key (aws:PrincipalTag/team, kms:EncryptionContext:tenant),
      // a schema name kept as the policies keep it. Those two are looked for behind the end of a
      // match (the name is in the span), so that only candidates pay for them.
      this.literalRe =
        names.length === 0
          ? null
          : new RegExp(
              `(?<![A-Za-z0-9+,.@:$])(?:${names.map(escapeRe).join('|')})(?![A-Za-z0-9_+=@-])(?![,.][A-Za-z0-9_+=@-])(?!:[A-Za-z0-9*])` +
                `(?<!:\\/\\/[^${ARN_STOP}]*)(?<![A-Za-z0-9-]:[A-Za-z]+[/:][^=${ARN_STOP}]*)`,
              'g',
            );
    }
    const re = this.literalRe;
    if (re === null) return t;
    return outside(t, re, (m) => this.mark(this.name(this.learned.get(m)!, m)));
  }
}

/** A document that declares itself redacted ("redacted": true in a kms-why snapshot). */
export function isRedactedDocument(d: unknown): boolean {
  return d !== null && typeof d === 'object' && !Array.isArray(d) && (d as Record<string, unknown>).redacted === true;
}

/** Redacts one output with a mapping of its own. */
export function redact(text: string, _options: RedactOptions = {}): string {
  return new Redactor().text(text);
}

export type { Json };
