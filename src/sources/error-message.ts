// Reads an AWS KMS authorization error as a support ticket carries it: the bare KMS message, or
// the same message inside whatever the client printed around it (AWS CLI, boto3, the SDKs for
// JavaScript v3, Java and Go, a JSON response body, or Lambda's "unable to decrypt the environment
// variables" error). Pure: text in, the parts of the request the message gives out, with what it
// does not give listed so that the caller can ask for it.
//
// Forms read (the KMS part):
//   User: ARN is not authorized to perform: kms:ACTION on resource: KEY_ARN
//     [because no (resource-based policy|identity-based policy|permissions boundary|session policy|
//                  service control policy|resource control policy|VPC endpoint policy) allows the kms:ACTION action
//     |with an explicit deny in (a|an) LAYER[: POLICY_ARN]]
//   The ciphertext refers to a customer master key that does not exist, does not exist in this
//   region, or you are not allowed to access.   (also "… refers to a KMS key …")
//   Lambda was unable to decrypt the environment variables because KMS access was denied. …
//   KMS Exception: AccessDeniedException KMS Message: <one of the above>
// and the key-state errors, which are no authorization errors (the key's state refused the request):
//   DisabledException: KEY_ARN is disabled.
//   KMSInvalidStateException: KEY_ARN is pending deletion. (pending import, unavailable, creating, updating, not pending deletion)
import { findAction } from '../model/actions.js';
import { parseArn, parseKeyIdentifier, parsePrincipal } from '../model/arn.js';
import { POLICY_LAYERS, type ErrorClient, type ErrorClue, type MissingPart, type PolicyLayer } from '../model/error-clue.js';
import { InputError } from '../model/errors.js';

// The clue types live in model/ (the analyses and the report read them too).
export { FIELD_FLAG, POLICY_LAYERS, type ErrorClient, type ErrorClue, type MissingPart, type PolicyLayer, type RequestField } from '../model/error-clue.js';

export interface ParsedErrorMessage {
  /** The wrapper recognised around the KMS message. */
  client: ErrorClient;
  /** When the error came through Lambda's environment-variable decryption (also set for wrapped Lambda errors). */
  lambda: boolean;
  /** The error code the client printed (AccessDeniedException, KMSAccessDeniedException, AccessDenied …). */
  errorCode?: string;
  /** The inner KMS exception named by a Lambda error ("KMS Exception: AccessDeniedException"). */
  kmsErrorCode?: string;
  /** The API operation the client called, when it says ("when calling the Decrypt operation"). */
  operation?: string;
  /** The operation belongs to another service (S3 PutObject …), which called KMS on the caller's behalf. */
  operationIsKms?: boolean;
  /** The KMS message itself, without the wrapping. */
  kmsMessage: string;
  principal?: string;
  /** Canonical action name, e.g. kms:Decrypt. */
  action?: string;
  /** Where the action came from: the KMS message, or the operation the client named. */
  actionFrom?: 'message' | 'operation' | 'default';
  /** The resource the message names (a key ARN). */
  keyArn?: string;
  clue: ErrorClue;
  /** What the message does not give, to be asked for as flags. */
  missing: MissingPart[];
  /** Things read between the lines, each stated so the reader can disagree. */
  notes: string[];
}

const ARN_TOKEN = String.raw`(\S+)`;
const NOT_AUTHORIZED = new RegExp(
  String.raw`\bUser:\s+${ARN_TOKEN}\s+is\s+not\s+authorized\s+to\s+perform:\s+([A-Za-z0-9-]+:[A-Za-z0-9*]+)(?:\s+on\s+resource:\s+${ARN_TOKEN})?`,
  'i',
);
const LAYER_RE = String.raw`(identity-based\s+policy|resource-based\s+policy|permissions\s+boundary|session\s+policy|service\s+control\s+policy|resource\s+control\s+policy|VPC\s+endpoint\s+policy)`;
const BECAUSE_NO = new RegExp(String.raw`^\s*because\s+no\s+${LAYER_RE}\s+allows\s+the\s+(\S+?)\s+action`, 'i');
const EXPLICIT_DENY = new RegExp(String.raw`^\s*with\s+an\s+explicit\s+deny(?:\s+in\s+(?:an?\s+)?${LAYER_RE}(?::?\s+(arn:\S+))?)?`, 'i');
const CIPHERTEXT =
  /The\s+ciphertext\s+refers\s+to\s+a\s+(?:customer\s+master\s+key|KMS\s+key|CMK)\s+that\s+does\s+not\s+exist,\s+does\s+not\s+exist\s+in\s+this\s+region,\s+or\s+you\s+are\s+not\s+allowed\s+to\s+access\.?/i;
/** The exceptions KMS returns for a key state that refuses the operation (KMS Developer Guide, "Key states of AWS KMS keys"). */
const KEY_STATE_CODE = /\b(DisabledException|KMSInvalidStateException)\b/;
const KEY_STATE_MESSAGE =
  /(arn:[A-Za-z0-9-]+:kms:[A-Za-z0-9-]*:\d{12}:key\/[A-Za-z0-9-]+)\s+is\s+(not\s+pending\s+deletion|pending\s+(?:replica\s+)?deletion|pending\s+import|disabled|unavailable|creating|updating)\b\.?/i;
const LAMBDA = /Lambda\s+was\s+unable\s+to\s+decrypt\s+the\s+environment\s+variables\s+because\s+KMS\s+access\s+was\s+denied/i;
const LAMBDA_INNER = /KMS\s+Exception:\s*([A-Za-z]+?)\s*KMS\s+Message:\s*([\s\S]*)$/i;
const CLI = /An\s+error\s+occurred\s+\(([A-Za-z0-9.]+)\)\s+when\s+calling\s+the\s+([A-Za-z0-9]+)\s+operation(?:\s+\(reached\s+max\s+retries:\s*\d+\))?:\s*/i;
const JAVA = /\(Service:\s*([A-Za-z0-9 ]+)[;,]\s*Status\s+Code:\s*\d+[;,]\s*(?:Error\s+Code:\s*([A-Za-z0-9]+)[;,]\s*)?Request\s+ID:/i;
const GO =
  /operation\s+error\s+([A-Za-z0-9 ]+):\s*([A-Za-z0-9]+),\s*https\s+response\s+error\s+StatusCode:\s*\d+,\s*RequestID:\s*[^,]*,\s*(?:api\s+error\s+)?([A-Za-z0-9]+):/i;
const JS_V3 = /\$metadata|\$fault|__type:\s*'|\bat\s+(?:de_|throwDefaultError|async\s)|\[\w*Exception\]/;
const EXCEPTION_PREFIX = /(?:^|\s|\.)([A-Z][A-Za-z0-9]*(?:Exception|Error|AccessDenied))(?:\s*\[[^\]]*\])?:\s/;

const LAYER_NAME: Record<string, PolicyLayer> = Object.fromEntries(POLICY_LAYERS.map((l) => [l.toLowerCase(), l]));

function layerOf(text: string): PolicyLayer {
  const l = LAYER_NAME[text.replace(/\s+/g, ' ').toLowerCase()];
  if (l === undefined) throw new Error(`unknown layer ${text}`);
  return l;
}

/** ARNs in prose end at whitespace; quotes, brackets and a sentence's full stop are not part of them. */
function cleanToken(t: string): string {
  return t
    .replace(/^["'(<[]+/, '')
    .replace(/(?:\\n|\\")+$/, '')
    .replace(/[.,;:"'\])>}]+$/, '');
}

/** Messages pasted from JSON or a log may carry escaped quotes and newlines; tickets wrap lines. */
function normalize(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\\n/g, '\n')
    .replace(/\\"/g, '"')
    .replace(/\\u0027/gi, "'")
    .replace(/[ \t\f\v\u00a0]+/g, ' ');
}

/** When the text is a JSON document (an error body, Lambda's console output), its message and type. */
function fromJson(text: string): { message: string; code?: string } | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const inner = (o.Error ?? o.error) as Record<string, unknown> | undefined;
  const src = typeof inner === 'object' && inner !== null ? inner : o;
  const message = [src.errorMessage, src.message, src.Message, src.ErrorMessage].find((x): x is string => typeof x === 'string');
  if (message === undefined) return undefined;
  const code = [src.errorType, src.__type, src.code, src.Code, src.name].find((x): x is string => typeof x === 'string');
  const out: { message: string; code?: string } = { message };
  if (code !== undefined) out.code = code.replace(/^.*#/, '');
  return out;
}

const UNREADABLE_HINT =
  'kms-why reads the KMS AccessDeniedException forms "User: ARN is not authorized to perform: kms:ACTION on resource: KEY_ARN because …" and "… with an explicit deny in …", ' +
  '"The ciphertext refers to a customer master key that does not exist, …", Lambda\'s "Lambda was unable to decrypt the environment variables …", ' +
  'and the key-state errors "DisabledException: KEY_ARN is disabled." and "KMSInvalidStateException: KEY_ARN is pending deletion." (…), ' +
  'whatever the client printed around them. Paste the whole message (quote it for the shell), or use --message-file FILE; ' +
  'or give the request yourself: kms-why decrypt --from SNAPSHOT --key KEY --principal ARN.';

/**
 * Reads an error message. Throws an InputError (exit 2) when the text holds no KMS authorization
 * error kms-why can read, with a hint naming the forms it reads.
 */
export function parseErrorMessage(input: string): ParsedErrorMessage {
  if (input.trim() === '') {
    throw new InputError('the error message is empty', { hint: UNREADABLE_HINT });
  }
  let text = normalize(input);
  let client: ErrorClient = 'plain';
  let errorCode: string | undefined;
  let operation: string | undefined;
  const json = fromJson(text);
  if (json !== undefined) {
    client = 'json';
    text = normalize(json.message);
    if (json.code !== undefined) errorCode = json.code;
  }
  const flat = text.replace(/\s+/g, ' ');

  const cli = CLI.exec(flat);
  if (cli) {
    client = /botocore|boto3|Traceback \(most recent call last\)/.test(flat) ? 'boto3' : 'aws-cli';
    errorCode = cli[1]!.replace(/^.*\./, '');
    operation = cli[2]!;
  } else {
    const go = GO.exec(flat);
    const java = JAVA.exec(flat);
    if (go) {
      client = 'sdk-go-v2';
      operation = go[2]!;
      errorCode = go[3]!;
    } else if (java) {
      client = 'sdk-java';
      if (java[2] !== undefined) errorCode = java[2];
      else {
        const ex = /([A-Za-z0-9]+Exception):/.exec(flat);
        if (ex) errorCode = ex[1]!;
      }
    } else if (JS_V3.test(text)) {
      client = 'sdk-js-v3';
      const named = /(?:__type|name|Code):\s*'([A-Za-z0-9]+)'/.exec(flat);
      const prefix = EXCEPTION_PREFIX.exec(flat);
      errorCode = prefix?.[1] ?? named?.[1] ?? errorCode;
    } else if (client === 'plain') {
      const prefix = EXCEPTION_PREFIX.exec(flat);
      if (prefix && prefix.index <= 200) errorCode = prefix[1]!;
    }
  }

  const lambda = LAMBDA.test(flat);
  let kmsErrorCode: string | undefined;
  let kmsPart = flat;
  if (lambda) {
    if (client === 'plain' || client === 'json') client = 'lambda';
    const inner = LAMBDA_INNER.exec(flat);
    if (inner) {
      kmsErrorCode = inner[1]!;
      kmsPart = inner[2]!;
    } else {
      kmsPart = '';
    }
  }

  const notes: string[] = [];
  const missing: MissingPart[] = [];
  let principal: string | undefined;
  let action: string | undefined;
  let actionFrom: ParsedErrorMessage['actionFrom'];
  let keyArn: string | undefined;
  let clue: ErrorClue;
  let kmsMessage: string;

  const na = NOT_AUTHORIZED.exec(kmsPart);
  const ct = CIPHERTEXT.exec(kmsPart);
  // A key-state error: its exception named by the client (or the Lambda error), or in the text.
  const stateCode = [kmsErrorCode, errorCode].find((c) => c !== undefined && KEY_STATE_CODE.test(c)) ?? KEY_STATE_CODE.exec(kmsPart)?.[1];
  const ks = na || ct || stateCode === undefined ? null : KEY_STATE_MESSAGE.exec(kmsPart);
  if (na) {
    const who = cleanToken(na[1]!);
    const act = na[2]!;
    const res = na[3] !== undefined ? cleanToken(na[3]) : undefined;
    const rest = kmsPart.slice(na.index + na[0].length);
    const info = findAction(act);
    if (!/^kms:/i.test(act) || info === undefined) {
      throw new InputError(`the error is about ${act}, not a KMS action`, {
        hint: `kms-why explains AWS KMS authorization (kms:Decrypt, kms:GenerateDataKey …). ${/^kms:/i.test(act) ? `"${act}" is no KMS action kms-why knows.` : `For ${act.split(':')[0]} permissions, look at that service's policies.`}`,
      });
    }
    action = info.name;
    actionFrom = 'message';
    const parsed = parsePrincipal(who);
    if (parsed !== null && parsed.kind !== 'unique-id') principal = who;
    else notes.push(`The message names the caller as "${who}", which is no principal ARN kms-why can evaluate.`);
    if (res !== undefined && res !== '*') {
      const id = parseKeyIdentifier(res);
      if (id !== null && id.kind === 'key-arn') keyArn = res;
      else if (id !== null) {
        keyArn = res;
        notes.push(`The message names ${res}, not a key ARN.`);
      } else notes.push(`The message names the resource "${res}", which is not a KMS key.`);
    }
    const because = BECAUSE_NO.exec(rest);
    const deny = EXPLICIT_DENY.exec(rest);
    if (because) {
      clue = { kind: 'no-allow', layer: layerOf(because[1]!), text: because[0].trim() };
    } else if (deny) {
      clue =
        deny[1] !== undefined
          ? { kind: 'explicit-deny', layer: layerOf(deny[1]), text: deny[0].trim() }
          : { kind: 'explicit-deny', layer: null, text: deny[0].trim() };
      if (deny[2] !== undefined) clue.policyArn = cleanToken(deny[2]);
    } else {
      clue = { kind: 'not-authorized', text: 'is not authorized to perform' };
    }
    const end = na.index + na[0].length + (because?.[0].length ?? deny?.[0].length ?? 0);
    kmsMessage = kmsPart.slice(na.index, end).trim();
  } else if (ct) {
    clue = { kind: 'key-inaccessible', text: ct[0] };
    kmsMessage = ct[0];
  } else if (ks && stateCode !== undefined) {
    const state = ks[2]!.replace(/\s+/g, ' ').toLowerCase();
    clue = { kind: 'key-state', errorCode: stateCode, state, text: ks[0] };
    kmsMessage = `${stateCode}: ${ks[0]}`;
    keyArn = ks[1]!;
    notes.push(
      `${stateCode} is a key-state error: KMS refused the request because the key was ${state}, not for a missing permission; the error does not say whether the policies allowed it.`,
    );
  } else if (lambda) {
    clue = { kind: 'not-authorized', text: 'KMS access was denied' };
    kmsMessage = (LAMBDA.exec(flat)?.[0] ?? 'Lambda was unable to decrypt the environment variables because KMS access was denied').trim();
    notes.push('The Lambda error does not quote the KMS message; the principal and key have to be given.');
  } else {
    throw new InputError('kms-why cannot read this error message: it holds no KMS authorization error', { hint: UNREADABLE_HINT });
  }

  // The operation the client called: a KMS API operation gives the action when the message does not.
  let operationIsKms: boolean | undefined;
  let op: ReturnType<typeof findAction>;
  if (operation !== undefined) {
    op = findAction(operation);
    operationIsKms = op !== undefined && op.cls !== 'internal';
    if (operation === 'ReEncrypt') operationIsKms = true;
    if (lambda && /^Invoke/i.test(operation)) operationIsKms = false;
  }
  if (action === undefined) {
    if (operation !== undefined && operationIsKms) {
      if (operation === 'ReEncrypt') {
        action = 'kms:ReEncryptFrom';
        notes.push('ReEncrypt needs kms:ReEncryptFrom on the source key (the key of the ciphertext); give --action kms:ReEncryptTo for the destination key.');
      } else if (op !== undefined) action = op.name; // a KMS operation other than ReEncrypt is an action
      actionFrom = 'operation';
    } else if (ct || lambda) {
      action = 'kms:Decrypt';
      actionFrom = 'default';
      notes.push(
        lambda
          ? 'Lambda decrypts environment variables with kms:Decrypt when the function starts.'
          : 'KMS returns this message for Decrypt (and ReEncrypt) requests; kms:Decrypt is assumed — give --action to change it.',
      );
    }
  }

  if (principal === undefined) {
    missing.push({
      field: 'principal',
      required: true,
      why: lambda
        ? 'the caller is the execution role session: give --principal arn:aws:sts::ACCOUNT:assumed-role/EXECUTION_ROLE/FUNCTION_NAME'
        : clue.kind === 'key-state'
          ? `${clue.errorCode} is a key-state error (the key was ${clue.state}), not an authorization error, and never names the caller: give --principal ARN (the role session, user or role that made the request) to see whether the key's state and today's policies still refuse the request (or run kms-why check --key ${keyArn ?? 'KEY'} --principal ARN --action kms:ACTION)`
          : 'the message does not name the caller: give --principal ARN (the role session, user or role that made the request)',
    });
  }
  if (action === undefined)
    missing.push({
      field: 'action',
      required: true,
      why:
        clue.kind === 'key-state'
          ? 'a key-state error does not name the action: give --action kms:ACTION (the operation that was called)'
          : 'the message does not name the action: give --action kms:ACTION',
    });
  if (keyArn === undefined) {
    missing.push({
      field: 'key',
      required: true,
      why: ct
        ? "this message never names the key (the ciphertext does): give --key with the key ARN, id or alias (CloudTrail's Decrypt event shows it)"
        : 'the message does not name the key: give --key KEY_ARN (or key id, alias)',
    });
  }
  const actionInfo = action !== undefined ? findAction(action) : undefined;
  if (actionInfo?.takesEncryptionContext && !lambda) {
    missing.push({
      field: 'encryptionContext',
      required: false,
      why: 'error messages never carry the encryption context: give --context KEY=VALUE for each pair the request had (conditions and grant constraints may depend on it)',
    });
  }
  if (operation !== undefined && operationIsKms === false && !lambda) {
    missing.push({
      field: 'viaService',
      required: false,
      why: `the error came from the ${operation} operation of another service, which called KMS on the caller's behalf: give --via-service SERVICE.REGION.amazonaws.com`,
    });
  }

  if (lambda && kmsPart !== '') {
    kmsMessage = `Lambda was unable to decrypt the environment variables because KMS access was denied. KMS Exception: ${kmsErrorCode ?? '?'} KMS Message: ${kmsMessage}`;
  }
  const out: ParsedErrorMessage = { client, lambda, kmsMessage, clue, missing, notes };
  if (errorCode !== undefined) out.errorCode = errorCode;
  if (kmsErrorCode !== undefined) out.kmsErrorCode = kmsErrorCode;
  if (operation !== undefined) out.operation = operation;
  if (operationIsKms !== undefined) out.operationIsKms = operationIsKms;
  if (principal !== undefined) out.principal = principal;
  if (action !== undefined) out.action = action;
  if (actionFrom !== undefined) out.actionFrom = actionFrom;
  if (keyArn !== undefined) out.keyArn = keyArn;
  return out;
}

/** The region and account in a key ARN, when the message names one. */
export function keyArnParts(keyArn: string | undefined): { region: string; account: string; partition: string } | undefined {
  if (keyArn === undefined) return undefined;
  const a = parseArn(keyArn);
  if (a === null || a.service !== 'kms') return undefined;
  return { region: a.region, account: a.account, partition: a.partition };
}
