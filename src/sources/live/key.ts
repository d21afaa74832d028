// The key's side, read from KMS: DescribeKey, GetKeyPolicy, ListGrants, ListResourceTags and
// ListAliases, turned into the model by the same parsers as snapshot files.
//
// Grants. A key may have thousands of grants, and ListGrants returns at most 100 a page, one page
// after the other. For a single-principal check kms-why reads the first page unfiltered; when it
// is the whole list (the usual case) that is all. When it is not, instead of paging on it asks, in
// parallel, ListGrants filtered by GranteePrincipal for every form of grantee the evaluator can
// match for that principal (the session ARN, the role or user ARN with its real IAM path as IAM
// reported it, the account root ARN and the bare account id) and, for RetireGrant, by GrantId.
// Those answers hold every grant that can allow the principal anything, so the verdicts are those
// of the whole list, and they take one round trip whatever the number of grants. kms-why pages the
// whole list when that is not enough: when the principal's IAM path is not known (GetRole/GetUser
// unreadable, so a grant to the role's ARN with its path could be missed), when the principal is a
// service principal, when any filtered query fails, and always when `grants: 'all'` is asked
// (the grants audit, who-can, `kms-why snapshot --all-grants`). A filtered read is recorded on the key
// (Key.grantsPartial: which grantees and grant ids were read) and in its InputRecord, and
// `kms-why snapshot` writes it so (GrantsPartial): the snapshot holds exactly what the live check
// was based on, and replaying it gives the same report. Who-can and the grants audit, which need
// every grant, take such a list as unknown.
//
// The filtered queries wait for the first page rather than going beside it: most keys have fewer
// than 100 grants, and those would pay one call per grantee form on every check for nothing. They
// still fit the check's three round trips (DescribeKey; the first page; the filtered queries, beside
// IAM's GetPolicyVersion), or two when the key is given by its ARN.
import { DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand, ListGrantsCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import type { GrantListEntry, ListGrantsCommandInput, ListGrantsCommandOutput } from '@aws-sdk/client-kms';
import { partitionOfRegion, type KeyIdentifier } from '../../model/arn.js';
import { AwsError, InputError, KmsWhyError } from '../../model/errors.js';
import type { Grant } from '../../model/grant.js';
import type { Key, KeyMetadata, PartialGrants } from '../../model/key.js';
import type { Policy } from '../../model/policy.js';
import type { InputRecord } from '../../model/snapshot.js';
import { isUnknown, unknownInput } from '../../model/unknown.js';
import type { Unknowable, UnknownInput } from '../../model/unknown.js';
import { parseGrant, parseKeyMetadata, parseKeyPolicy, parseTags, unansweredKeyMetadata } from '../aws-kms.js';
import { grantsRecord, grantsWhat, keyPolicyWhat, keyTagsWhat, partialGrants } from '../unreadable.js';
import { describeFailure, RAW_GRANTS } from './aws.js';
import type { AwsSession, CallContext, Failure, Outcome } from './aws.js';
import { liveRecord, plain, unknownFrom } from './failures.js';
import { PageMarkers } from './paging.js';

/** ListGrants' largest page. */
const GRANTS_PAGE = 100;
/**
 * Priorities in KMS's pool (see CallContext: IAM has a pool of its own, so the key's reads never
 * wait behind a role's many policies). DescribeKey first: every other read of a key waits for it;
 * then the key's own reads and the first page of grants, ahead of further pages (5), so that with
 * many keys each key is finished before the next one starts.
 */
const KEY_FIRST = 7;
const MAX_PAGES = 10_000;

export type GrantsMode = 'auto' | 'all';

export interface Accounts {
  /** The account of the main credentials (GetCallerIdentity), when it answered. */
  main?: string;
  /** The account of the principal's credentials, when those were given and answered. */
  principal?: string;
}

export interface KeyReadEnv {
  ctx: CallContext;
  ident: KeyIdentifier;
  /** The region of the key (its ARN's, or the configured one). */
  region: string;
  main: AwsSession;
  principalSession: AwsSession | undefined;
  accounts: Promise<Accounts>;
  grants: GrantsMode;
  /**
   * The grantee values whose grants are enough for the check (see above), or undefined when only
   * the whole list is.
   */
  granteeForms: () => Promise<string[] | undefined>;
  grantId: string | undefined;
  /**
   * For the grants audit, which reads only the key's metadata, grants and aliases: no
   * GetKeyPolicy or ListResourceTags, and aliases from one account-wide ListAliases (shared by
   * every key of the account and region) instead of one call per key.
   */
  grantsAudit?: { aliases: (s: AwsSession, meta: KeyMetadata) => Promise<Unknowable<string[]>> };
  /** The account's aliases were read once (ListAliases without KeyId): no per-key ListAliases. */
  aliasesReadOnce?: boolean;
}

export interface KeyRead {
  key: Key;
  keyArn: string;
  records: InputRecord[];
}

export const aliasesWhat = (keyArn: string): string => `aliases of ${keyArn}`;
export const keyWhat = (keyArn: string): string => `key ${keyArn}`;

const fmt = (n: number): string => n.toLocaleString('en-US');

export async function readKey(env: KeyReadEnv): Promise<KeyRead> {
  const { ctx, ident, main } = env;
  const settings = ctx.settings;
  const records: InputRecord[] = [];
  // Given the key's ARN, the first page of grants needs nothing else: it goes beside DescribeKey
  // (with the main credentials, the only ones ListGrants would use when no principal profile is given).
  const earlyGrants =
    env.grants === 'auto' && ident.kind === 'key-arn' && env.principalSession === undefined && env.grantsAudit === undefined
      ? main.call('kms:ListGrants', () => main.kms(env.region).send(new ListGrantsCommand({ KeyId: ident.text, Limit: GRANTS_PAGE })), KEY_FIRST)
      : undefined;
  const described = await main.call('kms:DescribeKey', () => main.kms(env.region).send(new DescribeKeyCommand({ KeyId: ident.text })), KEY_FIRST + 1);
  let meta: KeyMetadata | undefined;
  let failure: Failure | undefined;
  if (described.ok) {
    try {
      // An answer without KeyMetadata (an empty or foreign 200 body) is no answer: never a crash.
      if (typeof described.value.KeyMetadata !== 'object' || described.value.KeyMetadata === null) throw new InputError('the response has no KeyMetadata');
      // An answer without what verdicts turn on (KeyState, KeySpec, KeyManager, Origin …) is not one
      // either: no default stands in for what DescribeKey always returns.
      const missing = unansweredKeyMetadata(described.value.KeyMetadata);
      if (missing.length > 0) throw new InputError(`the response's KeyMetadata has no ${missing.join(', ')}`);
      meta = parseKeyMetadata(plain(described.value.KeyMetadata), { file: `kms:DescribeKey ${ident.text}`, path: 'KeyMetadata' });
    } catch (e) {
      if (!(e instanceof KmsWhyError)) throw e;
      failure = { kind: 'malformed', code: 'KeyMetadata', message: e.message };
    }
  } else failure = described.failure;
  if (ctx.fatal !== undefined) throw ctx.fatal;

  if (meta === undefined) {
    const f = failure!;
    const reason = describeFailure(f, 'kms:DescribeKey', settings);
    let arn: string | undefined;
    if (ident.kind === 'key-arn') arn = ident.text;
    else if (ident.kind === 'key-id') {
      const accounts = await env.accounts;
      // The key is in the partition of the Region DescribeKey was sent to (partitionOfRegion), not always aws.
      if (accounts.main !== undefined) arn = `arn:${partitionOfRegion(env.region)}:kms:${env.region}:${accounts.main}:key/${ident.text}`;
    }
    if (arn === undefined) throw unresolvable(ident, f, reason, env.region, await env.accounts);
    meta = metadataFromArn(arn);
    records.push({
      what: keyWhat(arn),
      from: 'AWS kms:DescribeKey',
      status: 'unreadable',
      detail: `${reason}${f.kind === 'access-denied' ? ` (needs kms:DescribeKey on ${arn})` : ''}; the key's state, spec, usage and origin are unknown`,
    });
  } else {
    records.push({ what: keyWhat(meta.arn), from: 'AWS kms:DescribeKey', status: 'read' });
  }
  const arn = meta.arn;

  // GetKeyPolicy, ListResourceTags and ListAliases work only with credentials of the key's account.
  const accounts = await env.accounts;
  let keySession: AwsSession | undefined = main;
  let other: string | undefined;
  if (accounts.main !== undefined && accounts.main !== meta.account) {
    if (env.principalSession !== undefined && accounts.principal === meta.account) keySession = env.principalSession;
    else {
      keySession = undefined;
      other = accounts.main;
    }
  }
  const crossAccount = (op: string, what: string): UnknownInput =>
    unknownInput(
      what,
      `${op} works only with credentials of the key's account ${meta.account}; kms-why's credentials are for account ${other}`,
      `${op} on ${arn} with credentials of account ${meta.account}`,
    );
  const grantsSession = keySession ?? main;

  const audit = env.grantsAudit;
  // Not read for the grants audit: marked unknown, so that nothing could take them as empty.
  const notRead = (what: string): UnknownInput => unknownInput(what, 'not read: the grants audit does not use it');
  const [policy, tags, aliases, grants] = await Promise.all([
    audit !== undefined
      ? Promise.resolve(notRead(keyPolicyWhat(arn)))
      : keySession === undefined
        ? Promise.resolve(crossAccount('kms:GetKeyPolicy', keyPolicyWhat(arn)))
        : readPolicy(keySession, meta),
    audit !== undefined
      ? Promise.resolve(notRead(keyTagsWhat(arn)))
      : keySession === undefined
        ? Promise.resolve(crossAccount('kms:ListResourceTags', keyTagsWhat(arn)))
        : readTags(keySession, meta),
    env.aliasesReadOnce === true
      ? Promise.resolve([] as string[])
      : keySession === undefined
        ? Promise.resolve(crossAccount('kms:ListAliases', aliasesWhat(arn)))
        : audit !== undefined
          ? audit.aliases(keySession, meta)
          : readAliases(keySession, meta),
    readGrants(env, grantsSession, meta, earlyGrants),
  ]);

  const key: Key = { metadata: meta, aliases: [], tags: {}, policy, grants: grants.value };
  if (grants.partial !== undefined && !isUnknown(grants.value)) key.grantsPartial = grants.partial;
  if (failure !== undefined) {
    const f = failure;
    key.metadataUnknown = unknownInput(
      keyWhat(arn),
      describeFailure(f, 'kms:DescribeKey', settings),
      f.kind === 'access-denied' ? `kms:DescribeKey on ${arn}` : undefined,
    );
  }
  if (isUnknown(tags)) key.tagsUnknown = tags;
  else key.tags = tags;
  if (!isUnknown(aliases)) key.aliases = aliases;
  else key.aliasesUnknown = aliases;
  // The alias the key was named by is one of its aliases, whatever ListAliases said.
  if (ident.aliasName !== undefined && !key.aliases.includes(ident.aliasName)) key.aliases.push(ident.aliasName);

  if (audit === undefined) records.push(liveRecord(keyPolicyWhat(arn), 'AWS kms:GetKeyPolicy', policy));
  records.push(grantsRecord(liveRecord(grantsWhat(arn), 'AWS kms:ListGrants', grants.value), key.grantsPartial));
  if (audit === undefined) records.push(liveRecord(keyTagsWhat(arn), 'AWS kms:ListResourceTags', tags));
  if (env.aliasesReadOnce !== true) records.push(liveRecord(aliasesWhat(arn), 'AWS kms:ListAliases', aliases));
  return { key, keyArn: arn, records };
}

/** Why a key named by an alias (or by a bare key id whose account is unknown) cannot be read at all. */
function unresolvable(ident: KeyIdentifier, f: Failure, reason: string, region: string, accounts: Accounts): KmsWhyError {
  const where = `${accounts.main !== undefined ? `account ${accounts.main}, ` : ''}region ${region}`;
  if (f.kind === 'not-found') {
    return new InputError(`${ident.text} does not exist (${where}): ${reason}`, {
      hint:
        ident.kind === 'alias-name' || ident.kind === 'key-id'
          ? 'Aliases and key ids belong to one account and region: check --region and --profile, or give the key ARN.'
          : 'Check the ARN, or give the key ARN.',
    });
  }
  return new AwsError(`cannot resolve ${ident.text} to a key (${where}): ${reason}`, {
    operation: 'DescribeKey',
    hint:
      f.kind === 'access-denied'
        ? `kms-why needs kms:DescribeKey on the key to resolve ${ident.kind === 'key-id' ? 'a key id' : 'an alias'}; give the key ARN instead (--key arn:aws:kms:…:key/…) to read what the credentials allow.`
        : 'Try again, or give the key ARN (--key arn:aws:kms:…:key/…).',
  });
}

/** What a key ARN says by itself; the rest is assumed (and the record says so). */
function metadataFromArn(arn: string): KeyMetadata {
  const parts = arn.split(':');
  const keyId = parts.slice(5).join(':').slice('key/'.length);
  return {
    keyId,
    arn,
    account: parts[4]!,
    region: parts[3]!,
    partition: parts[1]!,
    keyState: 'Enabled',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    multiRegion: keyId.startsWith('mrk-'),
  };
}

async function readPolicy(s: AwsSession, meta: KeyMetadata): Promise<Unknowable<Policy>> {
  const arn = meta.arn;
  const r = await s.call('kms:GetKeyPolicy', () => s.kms(meta.region).send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' })), KEY_FIRST);
  if (!r.ok) return unknownFrom(keyPolicyWhat(arn), [{ op: 'kms:GetKeyPolicy', resource: arn, failure: r.failure }], s.ctx.settings);
  try {
    if (typeof r.value.Policy !== 'string' || r.value.Policy === '') throw new InputError('the response has no Policy');
    return parseKeyPolicy(r.value.Policy, { file: `kms:GetKeyPolicy ${arn}`, path: 'Policy' });
  } catch (e) {
    if (!(e instanceof KmsWhyError)) throw e;
    return unknownFrom(
      keyPolicyWhat(arn),
      [{ op: 'kms:GetKeyPolicy', resource: arn, failure: { kind: 'malformed', code: 'Policy', message: e.message } }],
      s.ctx.settings,
    );
  }
}

type KmsPage = { Truncated?: boolean | undefined; NextMarker?: string | undefined };

/**
 * The shape every KMS list page must have: its list member (an answer without it is not an empty
 * list: an empty or foreign 200 body parses to no members at all), and a NextMarker only on a
 * truncated page.
 */
export function kmsPageProblem<O extends KmsPage>(o: O, member: string, items: unknown): Failure | undefined {
  if (!Array.isArray(items)) return { kind: 'malformed', code: member, message: `the response has no ${member} list` };
  if (o.Truncated !== undefined && typeof o.Truncated !== 'boolean') return { kind: 'malformed', code: 'Truncated', message: 'Truncated is not true or false' };
  if (o.Truncated !== true && o.NextMarker !== undefined && o.NextMarker !== null && o.NextMarker !== '') {
    return { kind: 'malformed', code: 'Truncated', message: 'the page has a NextMarker but does not say it is truncated' };
  }
  return undefined;
}

/** Every page of a KMS list (Truncated / NextMarker). */
export async function listKms<O extends KmsPage, T>(
  s: AwsSession,
  op: string,
  page: (marker: string | undefined) => Promise<O>,
  items: (o: O) => T[] | undefined,
  priority: number,
  start?: { items: T[]; marker: string },
  onPage?: (count: number, more: boolean) => void,
  member = op.slice(op.indexOf(':List') + 5),
): Promise<{ ok: true; items: T[] } | { ok: false; failure: Failure }> {
  const all: T[] = start?.items.slice() ?? [];
  let marker = start?.marker;
  const markers = new PageMarkers(marker);
  for (let n = 0; n < MAX_PAGES; n++) {
    const r: Outcome<O> = await s.call(op, () => page(marker), priority);
    if (!r.ok) return r;
    const got = items(r.value);
    const problem = kmsPageProblem(r.value, member, got);
    if (problem !== undefined) return { ok: false, failure: problem };
    all.push(...got!);
    const more = r.value.Truncated === true;
    onPage?.(all.length, more);
    if (!more) return { ok: true, items: all };
    const next = r.value.NextMarker;
    if (!markers.fresh(next)) {
      return { ok: false, failure: { kind: 'malformed', code: 'Truncated', message: 'the list is truncated but has no new NextMarker' } };
    }
    marker = next;
  }
  return { ok: false, failure: { kind: 'malformed', code: 'TooManyPages', message: `more than ${MAX_PAGES} pages` } };
}

async function readTags(s: AwsSession, meta: KeyMetadata): Promise<Unknowable<Record<string, string>>> {
  const arn = meta.arn;
  const r = await listKms(
    s,
    'kms:ListResourceTags',
    (Marker) => s.kms(meta.region).send(new ListResourceTagsCommand({ KeyId: arn, Marker, Limit: 50 })),
    (o) => o.Tags,
    KEY_FIRST,
    undefined,
    undefined,
    'Tags',
  );
  if (!r.ok) return unknownFrom(keyTagsWhat(arn), [{ op: 'kms:ListResourceTags', resource: arn, failure: r.failure }], s.ctx.settings);
  try {
    return parseTags(plain(r.items), { file: `kms:ListResourceTags ${arn}`, path: 'Tags' });
  } catch (e) {
    if (!(e instanceof KmsWhyError)) throw e;
    return unknownFrom(
      keyTagsWhat(arn),
      [{ op: 'kms:ListResourceTags', resource: arn, failure: { kind: 'malformed', code: 'Tags', message: e.message } }],
      s.ctx.settings,
    );
  }
}

async function readAliases(s: AwsSession, meta: KeyMetadata): Promise<Unknowable<string[]>> {
  const arn = meta.arn;
  const r = await listKms(
    s,
    'kms:ListAliases',
    (Marker) => s.kms(meta.region).send(new ListAliasesCommand({ KeyId: arn, Marker, Limit: 100 })),
    (o) => o.Aliases,
    KEY_FIRST,
  );
  if (!r.ok) return unknownFrom(aliasesWhat(arn), [{ op: 'kms:ListAliases', resource: arn, failure: r.failure }], s.ctx.settings);
  const names: string[] = [];
  for (const a of r.items) {
    if (typeof a !== 'object' || a === null || typeof a.AliasName !== 'string' || !a.AliasName.startsWith('alias/')) {
      return unknownFrom(
        aliasesWhat(arn),
        [{ op: 'kms:ListAliases', resource: arn, failure: { kind: 'malformed', code: 'AliasName', message: 'an alias has no AliasName' } }],
        s.ctx.settings,
      );
    }
    // ListAliases with KeyId lists only that key's aliases; check anyway.
    if (a.TargetKeyId !== undefined && a.TargetKeyId !== meta.keyId && a.TargetKeyId !== arn) continue;
    if (!names.includes(a.AliasName)) names.push(a.AliasName);
  }
  return names;
}

/**
 * Every alias of the session's account in a region, by target key id (one paged ListAliases
 * without KeyId). Aliases of AWS managed keys come along; callers look up only their keys.
 */
export async function accountAliases(s: AwsSession, region: string): Promise<{ ok: true; byKeyId: Map<string, string[]> } | { ok: false; failure: Failure }> {
  const r = await listKms(
    s,
    'kms:ListAliases',
    (Marker) => s.kms(region).send(new ListAliasesCommand({ Marker, Limit: 100 })),
    (o) => o.Aliases,
    0,
  );
  if (!r.ok) return r;
  const byKeyId = new Map<string, string[]>();
  for (const a of r.items) {
    if (a.AliasName === undefined || a.TargetKeyId === undefined) continue;
    const list = byKeyId.get(a.TargetKeyId);
    if (list === undefined) byKeyId.set(a.TargetKeyId, [a.AliasName]);
    else if (!list.includes(a.AliasName)) list.push(a.AliasName);
  }
  return { ok: true, byKeyId };
}

/** One key's aliases out of `accountAliases`. */
export function aliasesOf(all: Awaited<ReturnType<typeof accountAliases>>, meta: KeyMetadata, s: AwsSession): Unknowable<string[]> {
  if (!all.ok) return unknownFrom(aliasesWhat(meta.arn), [{ op: 'kms:ListAliases', resource: meta.arn, failure: all.failure }], s.ctx.settings);
  return [...(all.byKeyId.get(meta.keyId) ?? [])];
}

interface GrantsRead {
  value: Unknowable<Grant[]>;
  /** Set when the list is not all of the key's grants: what it holds. */
  partial?: PartialGrants;
}

async function readGrants(env: KeyReadEnv, s: AwsSession, meta: KeyMetadata, early?: Promise<Outcome<ListGrantsCommandOutput>>): Promise<GrantsRead> {
  const arn = meta.arn;
  const kms = s.kms(meta.region);
  const settings = s.ctx.settings;
  const send = (input: Omit<ListGrantsCommandInput, 'KeyId'>): Promise<ListGrantsCommandOutput> =>
    kms.send(new ListGrantsCommand({ KeyId: arn, Limit: GRANTS_PAGE, ...input }));
  const progress = (count: number, more: boolean): void => {
    if (more) s.ctx.say(`reading grants: ${fmt(count)}…`);
  };
  const fail = (f: Failure): GrantsRead => ({ value: unknownFrom(grantsWhat(arn), [{ op: 'kms:ListGrants', resource: arn, failure: f }], settings) });
  const finish = (entries: GrantListEntry[], partial?: PartialGrants): GrantsRead => {
    try {
      const grants: Grant[] = [];
      const seen = new Set<string>();
      entries.forEach((g, i) => {
        // The entry as AWS wrote it where the SDK's model may have cut it down (RAW_GRANTS).
        const grant = parseGrant(RAW_GRANTS.get(g) ?? plain(g), { file: `kms:ListGrants ${arn}`, path: `Grants[${i}]` }, meta);
        // A grant can show up twice when the list changes between pages or in two filtered answers.
        if (seen.has(grant.grantId)) return;
        seen.add(grant.grantId);
        grants.push(grant);
      });
      return partial === undefined ? { value: grants } : { value: grants, partial };
    } catch (e) {
      if (!(e instanceof KmsWhyError)) throw e;
      return fail({ kind: 'malformed', code: 'Grants', message: e.message });
    }
  };
  const pageAll = async (start?: { items: GrantListEntry[]; marker: string }): Promise<GrantsRead> => {
    const r = await listKms(
      s,
      'kms:ListGrants',
      (Marker) => send({ Marker }),
      (o) => o.Grants,
      5,
      start,
      progress,
    );
    return r.ok ? finish(r.items) : fail(r.failure);
  };

  if (env.grants === 'all') return pageAll();

  // The page read beside DescribeKey, when it was for this very key (DescribeKey names it by the
  // same ARN); otherwise it is waited for (nothing is left running) and the page read again.
  let fromEarly = early;
  if (early !== undefined && !(s === env.main && meta.arn === env.ident.text)) {
    await early;
    fromEarly = undefined;
  }
  const first = await (fromEarly ?? s.call('kms:ListGrants', () => send({}), KEY_FIRST));
  if (!first.ok) return fail(first.failure);
  const firstProblem = kmsPageProblem(first.value, 'Grants', first.value.Grants);
  if (firstProblem !== undefined) return fail(firstProblem);
  const firstItems = first.value.Grants!;
  if (first.value.Truncated !== true) return finish(firstItems);
  const marker = first.value.NextMarker;
  if (marker === undefined || marker === '') return fail({ kind: 'malformed', code: 'Truncated', message: 'the list is truncated but has no NextMarker' });
  progress(firstItems.length, true);

  const forms = await env.granteeForms();
  if (forms === undefined || forms.length === 0) return pageAll({ items: firstItems, marker });
  const queries: Array<Omit<ListGrantsCommandInput, 'KeyId'>> = forms.map((f) => ({ GranteePrincipal: f }));
  if (env.grantId !== undefined) queries.push({ GrantId: env.grantId });
  const answers = await Promise.all(
    queries.map((q) =>
      listKms(
        s,
        'kms:ListGrants',
        (Marker) => send({ ...q, Marker }),
        (o) => o.Grants,
        5,
      ),
    ),
  );
  if (answers.some((a) => !a.ok)) {
    // A filter that fails says nothing about the grants it would have found: read them all instead.
    s.ctx.say('reading all grants…');
    return pageAll({ items: firstItems, marker });
  }
  const entries = [...firstItems];
  for (const a of answers) if (a.ok) entries.push(...a.items);
  return finish(
    entries,
    partialGrants(arn, { firstPage: firstItems.length, granteePrincipals: forms, grantIds: env.grantId !== undefined ? [env.grantId] : [] }),
  );
}
