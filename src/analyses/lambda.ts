// `kms-why lambda FUNCTION`: why can (or can't) a function decrypt its environment variables?
// Models the two Decrypt flows of docs/semantics.md#lambda-environment-variables: the runtime's own Decrypt at init (execution-role
// session named after the function, context aws:lambda:FunctionArn, no kms:ViaService) and the
// control-plane flow of a person configuring the function through Lambda (kms:ViaService set).
import { iamRoleArn, parseArn } from '../model/arn.js';
import type { Decision } from '../model/decision.js';
import { FunctionError } from '../model/errors.js';
import type { Grant } from '../model/grant.js';
import type { Key } from '../model/key.js';
import type { Request } from '../model/request.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Policy, Statement } from '../model/policy.js';
import { isUnknown } from '../model/unknown.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { compilePrincipalValue } from '../evaluate/principals.js';

export interface LambdaFunction {
  name: string;
  /** The unqualified function ARN (what the env-var encryption context carries). */
  arn: string;
  qualifiedArn: string;
  account: string;
  region: string;
  partition: string;
  roleArn: string;
  roleName: string;
  /** Customer managed key ARN, or undefined for the AWS managed key alias/aws/lambda. */
  kmsKeyArn?: string;
  hasEnvironment: boolean;
}

/**
 * What stands in the way of the runtime's Decrypt, as data (src/report/lambda-phrases.ts phrases
 * it with the function's name, role and ARN).
 */
export type Trap =
  /** The function has no environment variables: nothing is decrypted at init. */
  | { id: 'no-environment' }
  /** The key is disabled or pending deletion: Decrypt fails whatever the grants say. */
  | { id: 'key-not-usable'; keyArn: string; state: 'disabled' | 'pending-deletion' }
  /** A grant names the unique id of a deleted role (the execution role was deleted and recreated). */
  | { id: 'orphaned-grantee'; grantId: string; grantee: string }
  /** A grant is for another session of the execution role than the one named after the function. */
  | { id: 'session-name-mismatch'; grantId: string; session: string }
  /** A grant is for another function ARN (the function was renamed or recreated). */
  | { id: 'function-arn-mismatch'; grantId: string; functionArn: string }
  /** alias/aws/lambda's policy allows use only through Lambda: only the grant can allow the runtime. */
  | { id: 'managed-key-via-service' }
  /** No grant on the key is for the runtime's session and context: Lambda's grant is gone. */
  | { id: 'grant-missing'; session: string };

export type TrapId = Trap['id'];

/**
 * A proposed fix, as data: its title, commands (recreate-grant) and what else it allows are
 * phrased from the kind and the function by src/report/lambda-phrases.ts.
 */
export type Fix =
  /** Switch the function to another role and back, so that Lambda creates its grant again; `json` is that grant. */
  | { kind: 'recreate-grant'; json: unknown; verified: boolean }
  /** A key-policy statement for the execution role (`json`), narrowed by the function's context. */
  | { kind: 'key-policy-statement'; json: unknown; verified: boolean }
  /** An identity policy (`json`) for `roleArn`; the key policy delegates kms:Decrypt to the account. */
  | { kind: 'iam-statement'; roleArn: string; json: unknown; verified: boolean };

/** What was assumed about Lambda (docs/semantics.md#lambda-environment-variables), as data. */
export type LambdaNote =
  /** The runtime's Decrypt: the execution-role session named after the function, its context, no kms:ViaService. */
  | { kind: 'runtime-flow' }
  /** The grant kms-why expects Lambda to create (AWS does not document it). */
  | { kind: 'grant-model' }
  /** The function was named with a qualifier: the unqualified ARN is what the context carries. */
  | { kind: 'unqualified-arn'; functionArn: string };

export interface LambdaAnalysis {
  fn: LambdaFunction;
  keyIdentifier: string;
  runtime: Decision;
  runtimeRequest: Request;
  controlPlane: Decision[];
  traps: Trap[];
  fixes: Fix[];
  /** Notes on what was assumed about Lambda (docs/semantics.md#lambda-environment-variables). */
  notes: LambdaNote[];
}

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads a GetFunctionConfiguration output. */
export function parseFunction(raw: unknown): LambdaFunction {
  if (typeof raw !== 'object' || raw === null) throw new FunctionError({ kind: 'not-an-object' });
  const o = raw as Record<string, unknown>;
  const qualifiedArn = str(o, 'FunctionArn');
  const name = str(o, 'FunctionName');
  const role = str(o, 'Role');
  if (qualifiedArn === undefined || name === undefined || role === undefined) {
    throw new FunctionError({ kind: 'missing-fields' });
  }
  const a = parseArn(qualifiedArn);
  if (a === null || a.service !== 'lambda') throw new FunctionError({ kind: 'not-a-function-arn', arn: qualifiedArn });
  // function:NAME[:QUALIFIER] — the env-var context names the unqualified function.
  const parts = a.resource.split(':');
  const arn = `arn:${a.partition}:lambda:${a.region}:${a.account}:function:${parts[1] ?? name}`;
  const roleArn = parseArn(role);
  const roleName = roleArn?.resource.split('/').pop() ?? role;
  const env = o.Environment as { Variables?: Record<string, unknown> } | undefined;
  const fn: LambdaFunction = {
    name: parts[1] ?? name,
    arn,
    qualifiedArn,
    account: a.account,
    region: a.region,
    partition: a.partition,
    roleArn: role,
    roleName,
    hasEnvironment: env?.Variables !== undefined && Object.keys(env.Variables).length > 0,
  };
  const k = str(o, 'KMSKeyArn');
  if (k !== undefined) fn.kmsKeyArn = k;
  return fn;
}

export function findFunction(snapshot: Snapshot, nameOrArn: string): LambdaFunction {
  const fns = (snapshot.functions ?? []).map(parseFunction);
  const hit = fns.find((f) => f.name === nameOrArn || f.arn === nameOrArn || f.qualifiedArn === nameOrArn);
  if (hit === undefined) {
    throw new FunctionError({ kind: 'function-not-in-snapshot', function: nameOrArn, snapshotFunctions: fns.map((f) => f.name) });
  }
  return hit;
}

function grantsOf(key: Key): Grant[] {
  return isUnknown(key.grants) ? [] : key.grants;
}

/** The grant Lambda creates for a function (docs/semantics.md#lambda-environment-variables), as kms-why models it. */
export function lambdaGrantFor(fn: LambdaFunction, keyArn: string): Grant {
  return {
    grantId: '(re-created by Lambda)',
    name: fn.name,
    keyArn,
    granteePrincipal: `arn:${fn.partition}:sts::${fn.account}:assumed-role/${fn.roleName}/${fn.name}`,
    retiringPrincipal: `lambda.${fn.region}.amazonaws.com`,
    issuingAccount: `arn:${fn.partition}:iam::${fn.account}:root`,
    operations: ['Decrypt', 'RetireGrant'],
    constraints: { encryptionContextEquals: { 'aws:lambda:FunctionArn': fn.arn } },
    state: 'active',
  };
}

function findTraps(fn: LambdaFunction, key: Key): Trap[] {
  const traps: Trap[] = [];
  if (!fn.hasEnvironment) traps.push({ id: 'no-environment' });
  const st = key.metadata.keyState;
  if (st === 'Disabled' || st === 'PendingDeletion' || st === 'PendingReplicaDeletion') {
    traps.push({ id: 'key-not-usable', keyArn: key.metadata.arn, state: st === 'Disabled' ? 'disabled' : 'pending-deletion' });
  }
  for (const g of grantsOf(key)) {
    if (g.state === 'retired') continue;
    const p = compilePrincipalValue(g.granteePrincipal);
    const ec = { ...(g.constraints?.encryptionContextEquals ?? {}), ...(g.constraints?.encryptionContextSubset ?? {}) };
    const fnArnKey = Object.keys(ec).find((k) => k.toLowerCase() === 'aws:lambda:functionarn');
    const forThisFunction = fnArnKey !== undefined && ec[fnArnKey] === fn.arn;
    if (p.kind === 'orphan' && (p.session === fn.name || forThisFunction)) {
      traps.push({ id: 'orphaned-grantee', grantId: g.grantId, grantee: g.granteePrincipal });
      continue;
    }
    if (p.kind === 'session' && p.account === fn.account && p.role === fn.roleName && p.session !== fn.name && (forThisFunction || fnArnKey === undefined)) {
      traps.push({ id: 'session-name-mismatch', grantId: g.grantId, session: p.session });
    }
    if (fnArnKey !== undefined && !forThisFunction && p.kind === 'session' && p.role === fn.roleName && p.session === fn.name) {
      traps.push({ id: 'function-arn-mismatch', grantId: g.grantId, functionArn: ec[fnArnKey]! });
    }
  }
  return traps;
}

/**
 * Evaluates the function's runtime Decrypt, the control-plane flow for `as`, traps and fixes.
 * `managedKeyIdentifier` is how the AWS managed key is found when the function has no KMSKeyArn.
 */
export function analyzeLambda(snapshot: Snapshot, fn: LambdaFunction, as?: string): LambdaAnalysis {
  const ev = new Evaluator(snapshot);
  const keyIdentifier = fn.kmsKeyArn ?? 'alias/aws/lambda';
  // The AWS managed key is the one in the function's account and Region (each has its own).
  const key = ev.findKey(fn.kmsKeyArn ?? `arn:${fn.partition}:kms:${fn.region}:${fn.account}:alias/aws/lambda`);
  if (key === undefined) {
    throw new FunctionError({ kind: 'key-not-in-snapshot', key: keyIdentifier, managed: fn.kmsKeyArn === undefined });
  }
  const session = `arn:${fn.partition}:sts::${fn.account}:assumed-role/${fn.roleName}/${fn.name}`;
  // Runtime init: the execution-role session calls KMS itself, without kms:ViaService (docs/semantics.md#lambda-environment-variables).
  const runtimeRequest: Request = {
    action: 'kms:Decrypt',
    principal: session,
    keyIdentifier: key.metadata.arn,
    encryptionContext: { 'aws:lambda:FunctionArn': fn.arn },
  };
  const runtime = ev.evaluate(runtimeRequest);
  const notes: LambdaNote[] = [{ kind: 'runtime-flow' }, { kind: 'grant-model' }];
  if (fn.qualifiedArn !== fn.arn) notes.push({ kind: 'unqualified-arn', functionArn: fn.arn });

  const controlPlane: Decision[] = [];
  if (as !== undefined) {
    const via = `lambda.${fn.region}.amazonaws.com`;
    const base: Omit<Request, 'action'> = {
      principal: as,
      keyIdentifier: key.metadata.arn,
      viaService: via,
      encryptionContext: { 'aws:lambda:FunctionArn': fn.arn },
    };
    const grant = lambdaGrantFor(fn, key.metadata.arn);
    controlPlane.push(ev.evaluate({ ...base, action: 'kms:Encrypt' }));
    controlPlane.push(
      ev.evaluate({
        ...base,
        action: 'kms:CreateGrant',
        grantIsForAwsResource: true,
        grantRequest: {
          granteePrincipal: grant.granteePrincipal,
          operations: grant.operations,
          constraints: grant.constraints!,
          retiringPrincipal: grant.retiringPrincipal!,
        },
      }),
    );
    controlPlane.push(ev.evaluate({ ...base, action: 'kms:Decrypt' }));
  }

  const traps = findTraps(fn, key);
  if (fn.kmsKeyArn === undefined && runtime.decision !== 'allow') {
    traps.push({ id: 'managed-key-via-service' });
  }
  // Nothing else explains the denial: the grant Lambda made for the function is gone. ListGrants
  // does not return retired or revoked grants, so its absence is what there is to see.
  if (
    runtime.decision === 'deny' &&
    runtime.decidedBy === 'implicit-deny' &&
    fn.hasEnvironment &&
    !isUnknown(key.grants) &&
    !traps.some((t) => 'grantId' in t)
  ) {
    traps.push({ id: 'grant-missing', session });
  }
  const fixes =
    runtime.decision === 'deny' && runtime.decidedBy !== 'key-state' && runtime.decidedBy !== 'explicit-deny'
      ? proposeFixes(snapshot, fn, key, runtimeRequest)
      : [];
  return { fn, keyIdentifier, runtime, runtimeRequest, controlPlane, traps, fixes, notes };
}

/** The model of the Allow statements proposed here (one action, one resource, StringEquals conditions). */
function allowStatement(
  index: number,
  raw: { Sid: string; Action: string; Resource: string; Condition: { StringEquals: Record<string, string> } },
  principalArn: string | undefined,
): Statement {
  const st: Statement = {
    index,
    sid: raw.Sid,
    effect: 'Allow',
    action: [raw.Action],
    resource: [raw.Resource],
    condition: Object.entries(raw.Condition.StringEquals).map(([key, v]) => ({ operator: 'StringEquals', key, values: [v] })),
    raw,
  };
  if (principalArn !== undefined) st.principal = { wildcard: false, aws: [principalArn], service: [], federated: [], canonicalUser: [] };
  return st;
}

function withKey(snapshot: Snapshot, key: Key, change: (k: Key) => Key): Snapshot {
  return { ...snapshot, keys: snapshot.keys.map((k) => (k === key ? change(k) : k)) };
}

function proposeFixes(snapshot: Snapshot, fn: LambdaFunction, key: Key, req: Request): Fix[] {
  const fixes: Fix[] = [];
  const verify = (s: Snapshot): boolean => new Evaluator(s).evaluate(req, { explain: false }).decision === 'allow';

  // 1. Let Lambda re-create its grant: AWS's own guidance (KC-LAMBDA).
  const grant = lambdaGrantFor(fn, key.metadata.arn);
  const withGrant = withKey(snapshot, key, (k) => ({ ...k, grants: [...grantsOf(k), grant] }));
  fixes.push({
    kind: 'recreate-grant',
    json: {
      GranteePrincipal: grant.granteePrincipal,
      Operations: grant.operations,
      Constraints: { EncryptionContextEquals: grant.constraints!.encryptionContextEquals },
      RetiringPrincipal: grant.retiringPrincipal,
    },
    verified: verify(withGrant),
  });

  // 2. A key-policy statement for the execution role, narrowed by the function's context. Not
  // possible on the AWS managed key, whose policy cannot be changed.
  if (key.metadata.keyManager === 'CUSTOMER' && !isUnknown(key.policy)) {
    const stmt = {
      Sid: `AllowLambdaEnvDecrypt-${fn.name}`,
      Effect: 'Allow',
      Principal: { AWS: /^arn:[^:]+:iam::\d{12}:role\//.test(fn.roleArn) ? fn.roleArn : iamRoleArn(fn.partition, fn.account, fn.roleName) },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': fn.arn } },
    };
    const policy = key.policy;
    const withStmt = withKey(snapshot, key, (k) => ({
      ...k,
      policy: { ...policy, statements: [...policy.statements, allowStatement(policy.statements.length, stmt, stmt.Principal.AWS)] },
    }));
    fixes.push({ kind: 'key-policy-statement', json: stmt, verified: verify(withStmt) });
  }
  // 3. When the key policy delegates Decrypt to the account: an IAM statement on the role.
  const roleEntry = Object.entries(snapshot.principals).find(([arn]) => {
    const p = compilePrincipalValue(arn);
    return p.kind === 'role' && p.account === fn.account && p.name === fn.roleName;
  });
  if (roleEntry !== undefined && !isUnknown(roleEntry[1].identityPolicies)) {
    const [roleArn, pp] = roleEntry;
    const statement = {
      Sid: `DecryptEnvironment${fn.name.replace(/[^A-Za-z0-9]/g, '')}`,
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key.metadata.arn,
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': fn.arn } },
    };
    const doc = { Version: '2012-10-17', Statement: [statement] };
    const identityPolicies = pp.identityPolicies as Policy[];
    const added: Policy = { source: 'identity-policy', name: 'kms-why-proposed', statements: [allowStatement(0, statement, undefined)] };
    const withIam: Snapshot = { ...snapshot, principals: { ...snapshot.principals, [roleArn]: { ...pp, identityPolicies: [...identityPolicies, added] } } };
    if (verify(withIam)) {
      fixes.push({ kind: 'iam-statement', roleArn, json: doc, verified: true });
    }
  }
  return fixes;
}
