// Reads CloudTrail records of KMS calls and turns each into the request KMS authorized. Accepts a
// single record, a trail file ({"Records": […]}), `aws cloudtrail lookup-events` output (each
// event's CloudTrailEvent is a JSON string), or a JSON array of records. Pure.
//
// What a record gives, and only what it shows:
//   principal        userIdentity.arn (IAMUser, AssumedRole sessions, FederatedUser, Root);
//                    userIdentity.invokedBy for AWSService callers; nothing for AWSAccount (the
//                    key owner's copy of a cross-account call names only the account)
//   action           eventSource kms.amazonaws.com + eventName (ReEncrypt → ReEncryptFrom on the
//                    source key, ReEncryptTo on the destination key; the error message says which)
//   key              resources[].ARN, requestParameters.keyId (as sent: an alias sets
//                    kms:RequestAlias), or the key ARN in errorMessage; ReEncrypt: sourceKeyId and
//                    destinationKeyId, and resources where they say which key is which: the other
//                    of two keys when one is named, the one key when they name only one (never the
//                    first listed on a guess); a key sent as an alias they do not tell apart is
//                    looked up as sent, bounded by the keys they name (keyCheck)
//   context          requestParameters.encryptionContext (ReEncrypt: source/destination)
//   kms:ReEncryptOnSameKey  ReEncrypt: whether the source and destination key ARNs (resources,
//                    sourceKeyId/destinationKeyId as key ARNs) are the same; two keys in resources
//                    are not. Unknown otherwise (an alias as sent says no key ARN)
//   kms:ViaService   userIdentity.invokedBy (or a service host as sourceIPAddress) when the
//                    principal is not itself the service: a service called KMS on the principal's
//                    behalf, <service>.<awsRegion>.amazonaws.com [KMS-COND kms:ViaService]. A record
//                    that shows a service without naming it ("AWS Internal" as invokedBy,
//                    sourceIPAddress or userAgent, a service host as userAgent alone) or without
//                    awsRegion: kms:ViaService is present with an unknown value (viaServiceUnknown).
//                    A Lambda runtime-init Decrypt (the execution role session calls KMS itself,
//                    docs/semantics.md#lambda-environment-variables) has no invokedBy and gets none.
//   context          (again) a record without requestParameters leaves it unknown
//   aws:SourceVpce   vpcEndpointId, for a call through a VPC endpoint
//   aws:SourceIp     sourceIPAddress, when it is an IP address and the call came through no VPC
//                    endpoint (there the request has no aws:SourceIp) [IAM global condition keys];
//                    a service calling on the principal's behalf shows its host name instead, and
//                    the address it called from is not in the record
import { isIP } from 'node:net';
import { findAction } from '../model/actions.js';
import { parseArn, parseKeyIdentifier, parsePrincipal, partitionOfRegion } from '../model/arn.js';
import { InputError } from '../model/errors.js';
import { RE_ENCRYPT_ON_SAME_KEY, reEncryptOnSameKey } from '../model/request.js';
import { parseErrorMessage, type ErrorClue } from './error-message.js';

export interface CloudTrailRequest {
  /** Canonical action, e.g. kms:Decrypt. */
  action: string;
  /** The key as sent (requestParameters.keyId), or the key ARN. */
  keyIdentifier?: string;
  /** The key ARN (resources[].ARN, or the error message's resource). */
  keyArn?: string;
  encryptionContext?: Record<string, string>;
  /** The record has no requestParameters: the request's encryption context is not known. */
  encryptionContextUnknown?: boolean;
  /** Where the key came from. */
  keyFrom?: 'requestParameters' | 'resources' | 'errorMessage';
  /**
   * ReEncrypt, a key sent as an alias the record does not tell apart (no keyArn): what the record
   * says of it, for the key the alias names in the snapshot today. `among`: it is one of these keys
   * (the keys resources name, but the other key); `notSameAs`: it is not the key this other alias
   * names (resources name two keys).
   */
  keyCheck?: { among: string[]; notSameAs?: string };
}

export interface CloudTrailKmsEvent {
  /** Position of the record in the file (0-based). */
  index: number;
  eventId?: string;
  eventTime?: string;
  eventName: string;
  awsRegion?: string;
  recipientAccountId?: string;
  userIdentityType?: string;
  /** The caller, when the record shows it. */
  principal?: string;
  /** Why the principal is missing or how it was read. */
  principalNote?: string;
  /** userIdentity.accountId (the caller's account), when shown. */
  callerAccount?: string;
  invokedBy?: string;
  /** kms:ViaService, when the record shows a service calling on the principal's behalf. */
  viaService?: string;
  /** How viaService was derived (or why there is none). */
  viaServiceNote: string;
  /** The record shows a service calling on the principal's behalf but not which kms:ViaService value (viaServiceNote says why). */
  viaServiceUnknown?: boolean;
  sourceIPAddress?: string;
  /** The VPC endpoint the call came through (vpcEndpointId). */
  vpcEndpointId?: string;
  /** Global condition keys the record shows the values of (aws:SourceIp, aws:SourceVpce), with where each came from; `value` undefined: the request had none. */
  conditionKeys: Array<{ key: string; value: string | undefined; from: string }>;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  /** errorCode is an access-denied error. */
  accessDenied: boolean;
  /** What the error message says about the denial, when it can be read. */
  clue?: ErrorClue;
  /** ReEncrypt: the source and the destination key, by ARN where the record says which key, else as sent (both kept when the error names one permission). */
  reEncryptKeys?: { source?: string; destination?: string };
  /** One request per permission the call needed (two for ReEncrypt unless the error names one). */
  requests: CloudTrailRequest[];
  notes: string[];
}

export interface CloudTrailFile {
  format: 'record' | 'records' | 'lookup-events' | 'array';
  /** Every record in the file. */
  recordCount: number;
  /** The KMS records, in file order. */
  events: CloudTrailKmsEvent[];
  /** Records from other services (eventSource), by source. */
  otherSources: Record<string, number>;
  /**
   * KMS's own service events, by eventName (RotateKey, DeleteKey, DeleteExpiredKeyMaterial …):
   * made by KMS itself, not a caller's request, so there is nothing to explain; skipped.
   */
  serviceEvents: Record<string, number>;
  /**
   * KMS records of an operation kms-why does not know (an API newer than it), by eventName: only
   * with `skipUnknown` (a batch: --all, --lookup), where one such record must not stop the others;
   * otherwise such a record is refused.
   */
  unknownEvents: Record<string, number>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const HINT =
  'Give one CloudTrail record, a trail file ({"Records": […]}), or the output of aws cloudtrail lookup-events (--lookup-attributes AttributeKey=EventSource,AttributeValue=kms.amazonaws.com).';

/** Takes a parsed JSON document apart into records. `file` names it in messages. */
export function parseCloudTrail(value: unknown, file: string, opts: { skipUnknown?: boolean } = {}): CloudTrailFile {
  let format: CloudTrailFile['format'];
  let raw: Array<{ record: unknown; path: string }>;
  if (Array.isArray(value)) {
    format = 'array';
    raw = value.map((r, i) => ({ record: r, path: `[${i}]` }));
  } else if (isObj(value) && Array.isArray(value.Records)) {
    format = 'records';
    raw = value.Records.map((r, i) => ({ record: r, path: `Records[${i}]` }));
  } else if (isObj(value) && Array.isArray(value.Events)) {
    format = 'lookup-events';
    raw = value.Events.map((e, i) => {
      const path = `Events[${i}]`;
      if (!isObj(e)) throw new InputError('a lookup-events entry must be an object', { file, path, hint: HINT });
      const ct = e.CloudTrailEvent;
      if (typeof ct === 'string') {
        try {
          return { record: JSON.parse(ct) as unknown, path: `${path}.CloudTrailEvent` };
        } catch (err) {
          throw new InputError(`CloudTrailEvent is not valid JSON (${(err as Error).message})`, { file, path: `${path}.CloudTrailEvent` });
        }
      }
      if (isObj(ct)) return { record: ct, path: `${path}.CloudTrailEvent` };
      throw new InputError('the entry has no CloudTrailEvent', {
        file,
        path,
        hint: "aws cloudtrail lookup-events gives each event's record as the CloudTrailEvent string.",
      });
    });
  } else if (isObj(value) && (value.eventSource !== undefined || value.eventName !== undefined)) {
    format = 'record';
    raw = [{ record: value, path: '' }];
  } else {
    throw new InputError('not a CloudTrail event: no eventSource/eventName, Records or Events', { file, hint: HINT });
  }
  const events: CloudTrailKmsEvent[] = [];
  const otherSources: Record<string, number> = {};
  const serviceEvents: Record<string, number> = {};
  const unknownEvents: Record<string, number> = {};
  raw.forEach(({ record, path }, index) => {
    if (!isObj(record)) throw new InputError('a CloudTrail record must be an object', { file, path, hint: HINT });
    const source = str(record, 'eventSource') ?? '(no eventSource)';
    if (source !== 'kms.amazonaws.com') {
      otherSources[source] = (otherSources[source] ?? 0) + 1;
      return;
    }
    const name = kmsServiceEvent(record);
    if (name !== undefined) {
      serviceEvents[name] = (serviceEvents[name] ?? 0) + 1;
      return;
    }
    const eventName = str(record, 'eventName');
    if (opts.skipUnknown === true && eventName !== undefined && !knownEventName(eventName)) {
      unknownEvents[eventName] = (unknownEvents[eventName] ?? 0) + 1;
      return;
    }
    events.push(readKmsRecord(record, index, file, path));
  });
  return { format, recordCount: raw.length, events, otherSources, serviceEvents, unknownEvents };
}

/**
 * The eventName of an event KMS writes for what it does itself (eventType AwsServiceEvent, a
 * userIdentity of type AWSService or invoked by KMS) that is no API action: the yearly automatic
 * rotation (RotateKey), the deletion of a key scheduled for deletion (DeleteKey), of expired
 * imported key material (DeleteExpiredKeyMaterial) … [KMS CloudTrail examples:
 * ct-rotatekey, ct-delete-key, ct-deleteexpiredkeymaterial].
 */
function kmsServiceEvent(r: Obj): string | undefined {
  const name = str(r, 'eventName');
  if (name === undefined || name === 'ReEncrypt' || findAction(name) !== undefined) return undefined;
  const ui = isObj(r.userIdentity) ? r.userIdentity : undefined;
  const service = str(r, 'eventType') === 'AwsServiceEvent' || str(ui, 'type') === 'AWSService' || str(ui, 'invokedBy') === 'kms.amazonaws.com';
  return service ? name : undefined;
}

const SERVICE_HOST = /^([a-z0-9-]+)\.amazonaws\.com$/;
/** What CloudTrail writes for a caller inside AWS it does not name (invokedBy, sourceIPAddress, userAgent). */
const AWS_INTERNAL = 'AWS Internal';

/** kms:ViaService names that are not the service's own (docs/semantics.md#via-service). */
const VIA_SERVICE_NAME: Record<string, string> = { ebs: 'ec2' };

/** An eventName readKmsRecord can read: ReEncrypt (both of its permissions) or a KMS action. */
function knownEventName(eventName: string): boolean {
  return eventName === 'ReEncrypt' || findAction(eventName) !== undefined;
}

function readKmsRecord(r: Obj, index: number, file: string, path: string): CloudTrailKmsEvent {
  const eventName = str(r, 'eventName');
  if (eventName === undefined) throw new InputError('the KMS record has no eventName', { file, path, hint: HINT });
  const ui = isObj(r.userIdentity) ? r.userIdentity : undefined;
  const notes: string[] = [];
  const ev: CloudTrailKmsEvent = { index, eventName, accessDenied: false, requests: [], notes, viaServiceNote: '', conditionKeys: [] };
  const set = <K extends keyof CloudTrailKmsEvent>(k: K, v: CloudTrailKmsEvent[K] | undefined): void => {
    if (v !== undefined) ev[k] = v;
  };
  set('eventId', str(r, 'eventID') ?? str(r, 'eventId'));
  set('eventTime', str(r, 'eventTime'));
  set('awsRegion', str(r, 'awsRegion'));
  set('recipientAccountId', str(r, 'recipientAccountId'));
  set('sourceIPAddress', str(r, 'sourceIPAddress'));
  set('vpcEndpointId', str(r, 'vpcEndpointId'));
  set('userAgent', str(r, 'userAgent'));
  set('errorCode', str(r, 'errorCode'));
  set('errorMessage', str(r, 'errorMessage'));
  set('userIdentityType', str(ui, 'type'));
  set('callerAccount', str(ui, 'accountId'));
  set('invokedBy', str(ui, 'invokedBy'));
  ev.accessDenied = ev.errorCode !== undefined && /AccessDenied/i.test(ev.errorCode);

  // ── principal ──
  const type = ev.userIdentityType;
  const arn = str(ui, 'arn');
  const parsedArn = arn !== undefined ? parsePrincipal(arn) : null;
  if (type === 'AWSService') {
    const svc = ev.invokedBy;
    if (svc !== undefined && parsePrincipal(svc)?.kind === 'service') {
      ev.principal = svc;
      ev.principalNote = `the service principal ${svc} called KMS itself (userIdentity.type AWSService)`;
    } else ev.principalNote = 'an AWS service called KMS itself, and the record does not name it';
  } else if (type === 'AWSAccount') {
    const pid = str(ui, 'principalId');
    ev.principalNote = `the record names only account ${ev.callerAccount ?? '(unknown)'}${pid ? ` and principal id ${pid}` : ''} (the key owner's copy of a cross-account call): give --principal, the ARN the caller's own trail shows`;
  } else if (arn !== undefined && parsedArn !== null && parsedArn.kind !== 'unique-id') {
    ev.principal = arn;
    ev.principalNote =
      type === 'AssumedRole'
        ? `userIdentity.arn (a session of role ${str(isObj(ui?.sessionContext) && isObj(ui.sessionContext.sessionIssuer) ? ui.sessionContext.sessionIssuer : undefined, 'arn') ?? parsedArn.roleName})`
        : 'userIdentity.arn';
  } else if (type === 'Root' && ev.callerAccount !== undefined) {
    // The root user's ARN is in the partition of the Region the call was made in (partitionOfRegion).
    ev.principal = `arn:${partitionOfRegion(ev.awsRegion ?? '')}:iam::${ev.callerAccount}:root`;
    ev.principalNote = 'the account root user';
  } else {
    ev.principalNote = `the record does not give a principal ARN kms-why can evaluate (userIdentity.type ${type ?? 'missing'})`;
  }

  // ── kms:ViaService ──
  // A Lambda runtime-init Decrypt (the function's own session, its FunctionArn as context) is the
  // session calling KMS itself: only an explicit invokedBy counts there (docs/semantics.md#lambda-environment-variables).
  const runtimeInit = isLambdaRuntimeInit(arn, requestParams(r));
  // A service host as sourceIPAddress names the service; "AWS Internal" anywhere, or a service host
  // as userAgent alone, shows a service without naming it.
  const hostCall = ev.sourceIPAddress !== undefined && SERVICE_HOST.test(ev.sourceIPAddress) ? ev.sourceIPAddress : undefined;
  // A call from an IP address is the caller's own (a console call's userAgent may be "AWS Internal").
  const fromAddress = ev.sourceIPAddress !== undefined && isIP(ev.sourceIPAddress) !== 0;
  const unnamed =
    !fromAddress && (ev.sourceIPAddress === AWS_INTERNAL || ev.userAgent === AWS_INTERNAL || (ev.userAgent !== undefined && SERVICE_HOST.test(ev.userAgent)));
  const calledBy = ev.invokedBy ?? (runtimeInit ? undefined : (hostCall ?? (unnamed ? AWS_INTERNAL : undefined)));
  const host = calledBy !== undefined ? SERVICE_HOST.exec(calledBy) : null;
  if (type === 'AWSService') {
    ev.viaServiceNote = "none: the service is the caller, not acting with a principal's credentials";
  } else if (host && ev.awsRegion !== undefined) {
    const name = VIA_SERVICE_NAME[host[1]!] ?? host[1]!;
    ev.viaService = `${name}.${ev.awsRegion}.amazonaws.com`;
    ev.viaServiceNote = `${ev.invokedBy !== undefined ? 'userIdentity.invokedBy' : 'sourceIPAddress'} ${calledBy}: the service called KMS on the principal's behalf`;
  } else if (calledBy !== undefined) {
    ev.viaServiceUnknown = true;
    const shown =
      ev.invokedBy !== undefined
        ? `userIdentity.invokedBy "${ev.invokedBy}"`
        : hostCall !== undefined
          ? `sourceIPAddress ${hostCall}`
          : `sourceIPAddress "${ev.sourceIPAddress ?? ''}" and userAgent "${ev.userAgent ?? ''}"`;
    ev.viaServiceNote = `${shown}: a service called KMS on the principal's behalf, but the record has ${ev.awsRegion === undefined ? 'no awsRegion' : 'no service host name'}, so the request's kms:ViaService is not known: give --via-service`;
  } else {
    ev.viaServiceNote = "none: the record shows no service calling on the principal's behalf (no invokedBy)";
  }
  // ── network origin ──
  if (ev.vpcEndpointId !== undefined) {
    ev.conditionKeys.push({ key: 'aws:SourceVpce', value: ev.vpcEndpointId, from: 'the event (vpcEndpointId)' });
    ev.conditionKeys.push({ key: 'aws:SourceIp', value: undefined, from: 'the event (vpcEndpointId: a call through a VPC endpoint has none)' });
  } else if (ev.sourceIPAddress !== undefined && isIP(ev.sourceIPAddress) !== 0 && calledBy === undefined)
    ev.conditionKeys.push({ key: 'aws:SourceIp', value: ev.sourceIPAddress, from: 'the event (sourceIPAddress)' });
  if (ev.viaService === undefined && runtimeInit) {
    notes.push(
      "A Decrypt by the function's own execution role session with aws:lambda:FunctionArn and no invokedBy is Lambda's runtime-init flow: the session calls KMS itself, so there is no kms:ViaService (docs/semantics.md#lambda-environment-variables).",
    );
  }

  // ── error message ──
  let errAction: string | undefined;
  let errKey: string | undefined;
  if (ev.errorMessage !== undefined) {
    try {
      const pm = parseErrorMessage(ev.errorMessage);
      ev.clue = pm.clue;
      if (pm.actionFrom === 'message') errAction = pm.action;
      errKey = pm.keyArn;
      if (pm.principal !== undefined && ev.principal !== undefined && pm.principal !== ev.principal) {
        notes.push(`The error message names ${pm.principal} as the caller; the record's userIdentity says ${ev.principal}.`);
      }
      if (ev.principal === undefined && pm.principal !== undefined) {
        ev.principal = pm.principal;
        ev.principalNote = "the error message (the record's userIdentity has no ARN)";
      }
    } catch {
      // A message kms-why cannot read is kept as it is; the record's fields still say enough.
    }
  }

  // ── action, key, encryption context ──
  const rp = requestParams(r);
  const keyIdOf = (k: string): string | undefined => {
    const v = str(rp, k);
    return v !== undefined && parseKeyIdentifier(v) !== null ? v : undefined;
  };
  const resources = Array.isArray(r.resources) ? r.resources.filter(isObj) : [];
  const keyArns = resources
    .filter((x) => str(x, 'type') === undefined || str(x, 'type') === 'AWS::KMS::Key')
    .map((x) => str(x, 'ARN') ?? str(x, 'arn'))
    .filter((x): x is string => x !== undefined && parseArn(x)?.service === 'kms' && /:key\//.test(x));
  const req = (action: string, keyIdentifier: string | undefined, keyArn: string | undefined, ec: Record<string, string> | undefined): CloudTrailRequest => {
    const o: CloudTrailRequest = { action };
    if (keyIdentifier !== undefined) o.keyIdentifier = keyIdentifier;
    if (keyArn !== undefined) o.keyArn = keyArn;
    if (ec !== undefined) o.encryptionContext = ec;
    // CloudTrail records a request's context in requestParameters; a record without them does not say.
    else if (rp === undefined && findAction(action)?.takesEncryptionContext === true) o.encryptionContextUnknown = true;
    return o;
  };
  if (eventName === 'ReEncrypt') {
    const srcId = keyIdOf('sourceKeyId');
    const dstId = keyIdOf('destinationKeyId');
    // A key id or key ARN names its key outright; an alias names the key it pointed to when the
    // call was made, which the record does not say (today's alias may point elsewhere).
    const byAlias = (id: string): boolean => parseKeyIdentifier(id)?.kind.startsWith('alias-') === true;
    const free = (id: string | undefined): boolean => id === undefined || byAlias(id);
    const names = (id: string | undefined) => (a: string) => id !== undefined && (a === id || a.endsWith(`/${id}`));
    const distinct = [...new Set(keyArns)];
    // Each key as the record names it: its id or ARN among resources, or the key ARN of an error
    // message that names its permission.
    const srcErr = errAction === 'kms:ReEncryptFrom' ? errKey : undefined;
    const dstErr = errAction === 'kms:ReEncryptTo' ? errKey : undefined;
    const srcFound = distinct.find(names(srcId));
    const dstFound = distinct.find(names(dstId));
    const srcNamed = srcFound ?? srcErr;
    const dstNamed = dstFound ?? dstErr;
    // ReEncrypt's resources name the source and the destination key: when one is named, and
    // resources name one other key, that one is the other — for a key sent as an alias or not
    // sent. Anything less does not say which key was which, and no key is guessed: one sent as an
    // alias is looked up as sent (below), one not sent is not known.
    const otherThan = (arn: string | undefined): string | undefined => {
      const rest = arn === undefined ? [] : distinct.filter((a) => a !== arn);
      return rest.length === 1 ? rest[0] : undefined;
    };
    let srcArn = srcNamed ?? (free(srcId) ? otherThan(dstNamed) : undefined);
    let dstArn = dstNamed ?? (free(dstId) ? otherThan(srcNamed) : undefined);
    let sourceInferred = false;
    if (distinct.length === 1) {
      // One key in resources: the destination key, unless the record names another; and, with no
      // sourceKeyId, the source key too (the ciphertext was under that same key: re-encrypted on one key).
      if (dstArn === undefined && srcArn === undefined && free(dstId)) dstArn = distinct[0];
      if (srcArn === undefined && srcId === undefined && dstArn !== undefined) {
        srcArn = dstArn;
        sourceInferred = true;
        notes.push(
          'The record names one key, the destination key, and no sourceKeyId: the source key (of the ciphertext) is taken to be the same key, as for a ReEncrypt on one key.',
        );
      }
    }
    const from = req('kms:ReEncryptFrom', srcId ?? srcArn, srcArn, stringMap(rp?.sourceEncryptionContext));
    const to = req('kms:ReEncryptTo', dstId ?? dstArn, dstArn, stringMap(rp?.destinationEncryptionContext));
    from.keyFrom = srcFound === undefined && srcErr !== undefined ? 'errorMessage' : srcId !== undefined ? 'requestParameters' : 'resources';
    to.keyFrom = dstFound === undefined && dstErr !== undefined ? 'errorMessage' : dstId !== undefined ? 'requestParameters' : 'resources';
    const one = errAction === 'kms:ReEncryptFrom' ? from : errAction === 'kms:ReEncryptTo' ? to : undefined;
    ev.reEncryptKeys = {};
    if (srcArn !== undefined || srcId !== undefined) ev.reEncryptKeys.source = srcArn ?? srcId!;
    if (dstArn !== undefined || dstId !== undefined) ev.reEncryptKeys.destination = dstArn ?? dstId!;
    // A key sent as an alias that the record does not tell apart: looked up as sent, in the
    // snapshot's aliases (as any key the record gives only by its alias), and said so; what the
    // record does say bounds it (keyCheck): it is one of the keys resources name, and, when they
    // name two, not the key the other alias names.
    for (const [q, role, other] of [
      [from, 'source', to],
      [to, 'destination', from],
    ] as const) {
      if ((one !== undefined && q !== one) || q.keyArn !== undefined || q.keyIdentifier === undefined || !byAlias(q.keyIdentifier)) continue;
      const check: NonNullable<CloudTrailRequest['keyCheck']> = { among: distinct };
      if (distinct.length === 2 && other.keyArn === undefined && other.keyIdentifier !== undefined && byAlias(other.keyIdentifier))
        check.notSameAs = other.keyIdentifier;
      if (distinct.length > 0) q.keyCheck = check;
      notes.push(
        `The record gives the ${role} key as ${q.keyIdentifier} and does not say which key that alias named then${
          distinct.length > 0 ? ` (resources name ${distinct.join(' and ')})` : ''
        }: it is taken to be the key the alias names in the snapshot today${
          distinct.length > 0
            ? `, provided that is one of them${check.notSameAs !== undefined ? ` and not the key ${check.notSameAs} names` : ''}`
            : ', which may be another'
        }.`,
      );
    }
    // kms:ReEncryptOnSameKey, for both permissions [KMS condition keys]: the record shows it when it
    // names both keys by their ARNs, or names two keys in resources (the source and the
    // destination: whichever is which, they are not the same key). An alias as sent is not read
    // against the snapshot, whose alias may point elsewhere now. Otherwise the key stays unknown.
    const arnOf = (q: CloudTrailRequest): string | undefined =>
      q.keyArn ?? (q.keyIdentifier !== undefined && parseKeyIdentifier(q.keyIdentifier)?.kind === 'key-arn' ? q.keyIdentifier : undefined);
    const src = arnOf(from);
    const dst = arnOf(to);
    const same = reEncryptOnSameKey(src, dst) ?? (distinct.length === 2 ? 'false' : undefined);
    if (same !== undefined)
      ev.conditionKeys.push({
        key: RE_ENCRYPT_ON_SAME_KEY,
        value: same,
        from:
          src !== undefined && dst !== undefined
            ? `the event (ReEncrypt from ${src} to ${dst}${sourceInferred ? ', the source key taken to be the destination key' : ''})`
            : 'the event (resources name two keys, the source and the destination)',
      });
    if (one !== undefined) {
      one.keyIdentifier ??= one.keyArn;
      ev.requests.push(one);
    } else {
      ev.requests.push(from, to);
    }
  } else {
    const info = findAction(eventName);
    if (info === undefined) {
      throw new InputError(`unknown KMS event "${eventName}"`, {
        file,
        path: `${path ? `${path}.` : ''}eventName`,
        hint: 'kms-why explains KMS API calls (Decrypt, Encrypt, GenerateDataKey, ReEncrypt …).',
      });
    }
    let action = info.name;
    if (errAction !== undefined && errAction !== action) {
      notes.push(`The error message names ${errAction} for the ${eventName} call; that is the permission evaluated.`);
      action = errAction;
    }
    const keyId = keyIdOf('keyId');
    const keyArn = keyArns[0] ?? errKey ?? (keyId !== undefined && parseKeyIdentifier(keyId)?.kind === 'key-arn' ? keyId : undefined);
    const one = req(action, keyId ?? keyArn, keyArn, stringMap(rp?.encryptionContext));
    if (keyId !== undefined) one.keyFrom = 'requestParameters';
    else if (keyArns[0] !== undefined) one.keyFrom = 'resources';
    else if (errKey !== undefined) one.keyFrom = 'errorMessage';
    ev.requests.push(one);
  }
  return ev;
}

/** The function's execution role session (session name = function name) with aws:lambda:FunctionArn. */
function isLambdaRuntimeInit(arn: string | undefined, rp: Obj | undefined): boolean {
  const p = arn !== undefined ? parsePrincipal(arn) : null;
  const ec = rp?.encryptionContext;
  if (p?.kind !== 'assumed-role' || !isObj(ec)) return false;
  const k = Object.keys(ec).find((x) => x.toLowerCase() === 'aws:lambda:functionarn');
  const fn = k !== undefined && typeof ec[k] === 'string' ? /:function:([^:]+)/.exec(ec[k])?.[1] : undefined;
  return fn !== undefined && fn === p.sessionName;
}

function requestParams(r: Obj): Obj | undefined {
  return isObj(r.requestParameters) ? r.requestParameters : undefined;
}

/** A short label for an event in lists: name, time and id. */
export function eventLabel(ev: CloudTrailKmsEvent): string {
  return [ev.eventName, ev.eventTime, ev.eventId].filter((x) => x !== undefined).join(' ');
}
