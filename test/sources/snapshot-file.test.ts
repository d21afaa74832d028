import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../src/model/grant.js';
import type { Policy } from '../../src/model/policy.js';
import type { PrincipalPolicies } from '../../src/model/principal.js';
import { isUnknown } from '../../src/model/unknown.js';
import type { Unknowable, UnknownInput } from '../../src/model/unknown.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { ACCT, FIXTURES, KEY_ARN, KEY_ID, expectInputError } from './helpers.js';

const FILE = 'snap.json';
const ROLE = `arn:aws:iam::${ACCT}:role/AppRole`;

type Obj = Record<string, unknown>;

function doc(statement: unknown): Obj {
  return { Version: '2012-10-17', Statement: statement };
}

/** A small valid snapshot; each bad-input case breaks one thing in a fresh copy. */
function base(): Obj {
  return {
    kmsWhySnapshot: 1,
    keys: [
      {
        KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, AWSAccountId: ACCT },
        Policy: doc([
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Use', Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['kms:Decrypt'], Resource: '*' },
          {
            Sid: 'Cond',
            Effect: 'Allow',
            Principal: { AWS: ROLE },
            Action: 'kms:Encrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:app': 'x' } },
          },
        ]),
        Grants: [{ GrantId: 'g1', GranteePrincipal: ROLE, Operations: ['Decrypt'] }],
      },
    ],
    principals: [{ Arn: ROLE, IdentityPolicies: [{ PolicyName: 'p', Document: doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }) }] }],
  };
}

function key0(s: Obj): Obj {
  return (s.keys as Obj[])[0]!;
}
function stmt(s: Obj, i: number): Obj {
  return ((key0(s).Policy as Obj).Statement as Obj[])[i]!;
}
function grant0(s: Obj): Obj {
  return (key0(s).Grants as Obj[])[0]!;
}
function principal0(s: Obj): Obj {
  return (s.principals as Obj[])[0]!;
}

function policies(v: Unknowable<Policy[]>): Policy[] {
  if (isUnknown(v)) throw new Error(`unexpected unknown: ${v.what}`);
  return v;
}
function known<T>(v: Unknowable<T>): T {
  if (isUnknown(v)) throw new Error(`unexpected unknown: ${v.what}`);
  return v;
}
function unknown(v: Unknowable<unknown>): UnknownInput {
  if (!isUnknown(v)) throw new Error('expected an UnknownInput');
  return v;
}

interface BadCase {
  name: string;
  change: (s: Obj) => unknown;
  path?: string;
  message: RegExp;
  hint?: RegExp;
}

// Each case: what is broken, and the exact JSON path the error must name.
const BAD: BadCase[] = [
  { name: 'not an object', change: () => [], message: /expected a kms-why snapshot \(a JSON object\), got array/ },
  { name: 'kmsWhySnapshot missing', change: (s) => void delete s.kmsWhySnapshot, message: /not a kms-why snapshot: kmsWhySnapshot is missing/ },
  {
    name: 'unsupported version',
    change: (s) => void (s.kmsWhySnapshot = 2),
    path: 'kmsWhySnapshot',
    message: /snapshot version 2 is not supported; this kms-why reads version 1/,
    hint: /newer kms-why/,
  },
  { name: 'version as a string', change: (s) => void (s.kmsWhySnapshot = '1'), path: 'kmsWhySnapshot', message: /expected a version number, got string/ },
  {
    name: 'unknown top-level field',
    change: (s) => void (s.key = []),
    path: 'key',
    message: /unknown field "key" in a kms-why snapshot/,
    hint: /Did you mean "keys"\?.*Known fields: kmsWhySnapshot, capturedAt, redacted, region, keys, principals, principalsAskedFor, keysAskedFor, Functions, AccountAuthorizationDetails, Organization/,
  },
  { name: 'keys not an array', change: (s) => void (s.keys = {}), path: 'keys', message: /expected a list of keys, got object/ },
  { name: 'key entry not an object', change: (s) => void (s.keys = ['arn:aws:kms:…']), path: 'keys[0]', message: /expected a key entry .* got string/ },
  {
    name: 'unknown key entry field',
    change: (s) => void (key0(s).Grant = []),
    path: 'keys[0].Grant',
    message: /unknown field "Grant" in a key entry/,
    hint: /Did you mean "Grants"/,
  },
  {
    name: 'KeyMetadata missing',
    change: (s) => void delete key0(s).KeyMetadata,
    path: 'keys[0].KeyMetadata',
    message: /KeyMetadata is missing/,
    hint: /describe-key/,
  },
  {
    name: 'invalid key ARN',
    change: (s) => void ((key0(s).KeyMetadata as Obj).Arn = 'arn:aws:kms:us-east-1:111122223333:alias/app'),
    path: 'keys[0].KeyMetadata.Arn',
    message: /invalid key ARN "arn:aws:kms:us-east-1:111122223333:alias\/app"/,
    hint: /key ARN looks like/,
  },
  {
    name: 'key ARN without region',
    change: (s) => void ((key0(s).KeyMetadata as Obj).Arn = `arn:aws:kms::${ACCT}:key/${KEY_ID}`),
    path: 'keys[0].KeyMetadata.Arn',
    message: /invalid key ARN/,
  },
  { name: 'Arn missing', change: (s) => void delete (key0(s).KeyMetadata as Obj).Arn, path: 'keys[0].KeyMetadata.Arn', message: /Arn is missing/ },
  {
    name: 'KeyId does not match the ARN',
    change: (s) => void ((key0(s).KeyMetadata as Obj).KeyId = 'abcd'),
    path: 'keys[0].KeyMetadata.KeyId',
    message: /does not match the key id in the Arn/,
  },
  {
    name: 'AWSAccountId does not match',
    change: (s) => void ((key0(s).KeyMetadata as Obj).AWSAccountId = '444455556666'),
    path: 'keys[0].KeyMetadata.AWSAccountId',
    message: /does not match the account in the Arn/,
  },
  {
    name: 'bad KeyState',
    change: (s) => void ((key0(s).KeyMetadata as Obj).KeyState = 'enabled'),
    path: 'keys[0].KeyMetadata.KeyState',
    message: /"enabled" is not one of Enabled, Disabled/,
    hint: /Did you mean "Enabled"/,
  },
  {
    name: 'MultiRegion of the wrong type',
    change: (s) => void ((key0(s).KeyMetadata as Obj).MultiRegion = 'no'),
    path: 'keys[0].KeyMetadata.MultiRegion',
    message: /expected true or false, got string/,
  },
  {
    name: 'near miss of a KeyMetadata field',
    change: (s) => void ((key0(s).KeyMetadata as Obj).keyState = 'Disabled'),
    path: 'keys[0].KeyMetadata.keyState',
    message: /unknown field "keyState" in KeyMetadata/,
    hint: /Did you mean "KeyState"/,
  },
  {
    name: 'bad MultiRegionKeyType',
    change: (s) => void ((key0(s).KeyMetadata as Obj).MultiRegionConfiguration = { MultiRegionKeyType: 'SECONDARY' }),
    path: 'keys[0].KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType',
    message: /not one of PRIMARY, REPLICA/,
  },
  {
    name: 'policy without Statement',
    change: (s) => void (key0(s).Policy = { Version: '2012-10-17' }),
    path: 'keys[0].Policy',
    message: /policy document has no Statement/,
  },
  { name: 'policy of the wrong type', change: (s) => void (key0(s).Policy = 42), path: 'keys[0].Policy', message: /must be a JSON object, got number/ },
  {
    name: 'policy string that is not JSON',
    change: (s) => void (key0(s).Policy = '{"Version": "2012-10-17", "Statement": ['),
    path: 'keys[0].Policy',
    message: /policy document is not valid JSON/,
  },
  {
    name: 'unknown policy element',
    change: (s) => void ((key0(s).Policy as Obj).Statements = []),
    path: 'keys[0].Policy.Statements',
    message: /unknown policy element "Statements"/,
  },
  {
    name: 'unknown statement element',
    change: (s) => void (stmt(s, 1).Efect = 'Allow'),
    path: 'keys[0].Policy.Statement[1].Efect',
    message: /unknown statement element "Efect"/,
  },
  {
    name: 'statement element in the wrong case',
    change: (s) => void (stmt(s, 1).action = 'kms:Decrypt'),
    path: 'keys[0].Policy.Statement[1].action',
    message: /unknown statement element "action"/,
    hint: /Did you mean "Action"/,
  },
  {
    name: 'bad Effect',
    change: (s) => void (stmt(s, 0).Effect = 'allow'),
    path: 'keys[0].Policy.Statement[0].Effect',
    message: /Effect must be "Allow" or "Deny", got "allow"/,
  },
  { name: 'Effect missing', change: (s) => void delete stmt(s, 0).Effect, path: 'keys[0].Policy.Statement[0].Effect', message: /statement has no Effect/ },
  {
    name: 'unknown condition operator',
    change: (s) => void (stmt(s, 2).Condition = { StringEqual: { 'kms:CallerAccount': ACCT } }),
    path: 'keys[0].Policy.Statement[2].Condition',
    message: /unknown operator "StringEqual"/,
    hint: /Did you mean "StringEquals"/,
  },
  {
    name: 'condition value that is an object',
    change: (s) => void (stmt(s, 2).Condition = { StringEquals: { 'kms:ViaService': { a: 1 } } }),
    path: 'keys[0].Policy.Statement[2].Condition.StringEquals.kms:ViaService',
    message: /condition values must be strings, numbers or booleans, got object/,
  },
  {
    name: 'condition block that is not an object',
    change: (s) => void (stmt(s, 2).Condition = { StringEquals: ['x'] }),
    path: 'keys[0].Policy.Statement[2].Condition.StringEquals',
    message: /must be an object of condition keys, got array/,
  },
  {
    name: 'both Action and NotAction',
    change: (s) => void (stmt(s, 1).NotAction = 'kms:Encrypt'),
    path: 'keys[0].Policy.Statement[1]',
    message: /cannot have both Action and NotAction/,
  },
  {
    name: 'Principal with an unknown type',
    change: (s) => void (stmt(s, 1).Principal = { Role: ROLE }),
    path: 'keys[0].Policy.Statement[1].Principal.Role',
    message: /unknown principal type "Role"/,
    hint: /AWS, Service, Federated and CanonicalUser/,
  },
  // AWS refuses a statement element that lists nothing (IAM JSON policy grammar): read as matching
  // nothing (or, as a Not… element, everything) it would decide confidently on a policy AWS never holds.
  ...(['Action', 'NotAction', 'Resource', 'NotResource'] as const).map(
    (element): BadCase => ({
      name: `${element} that is an empty list`,
      change: (s) => {
        const st = stmt(s, 1);
        delete st[element.replace(/^Not/, '')];
        st[element] = [];
      },
      path: `keys[0].Policy.Statement[1].${element}`,
      message: new RegExp(`: ${element} is an empty list$`),
      hint: /AWS refuses a policy whose \w+ lists nothing/,
    }),
  ),
  {
    name: 'Principal with an empty list of a type',
    change: (s) => void (stmt(s, 1).Principal = { AWS: [] }),
    path: 'keys[0].Policy.Statement[1].Principal.AWS',
    message: /Principal\.AWS is an empty list/,
    hint: /remove the principal type/,
  },
  {
    name: 'NotPrincipal that names no principal',
    change: (s) => {
      const st = stmt(s, 1);
      delete st.Principal;
      st.NotPrincipal = {};
    },
    path: 'keys[0].Policy.Statement[1].NotPrincipal',
    message: /NotPrincipal names no principal/,
  },
  {
    name: 'Action of the wrong type',
    change: (s) => void (stmt(s, 1).Action = ['kms:Decrypt', 7]),
    path: 'keys[0].Policy.Statement[1].Action[1]',
    message: /expected a string, got number/,
  },
  { name: 'Grants not a list', change: (s) => void (key0(s).Grants = 'none'), path: 'keys[0].Grants', message: /expected a list of grants .* got string/ },
  {
    name: 'grant operation in the wrong case',
    change: (s) => void (grant0(s).Operations = ['Decrypt', 'generateDataKey']),
    path: 'keys[0].Grants[0].Operations[1]',
    message: /"generateDataKey" is not a grant operation/,
    hint: /Did you mean "GenerateDataKey"\? Grant operations are case-sensitive/,
  },
  {
    name: 'grant operation with the kms: prefix',
    change: (s) => void (grant0(s).Operations = ['kms:Decrypt']),
    path: 'keys[0].Grants[0].Operations[0]',
    message: /"kms:Decrypt" is not a grant operation/,
    hint: /Did you mean "Decrypt"/,
  },
  {
    name: 'grant operation with a wildcard',
    change: (s) => void (grant0(s).Operations = ['GenerateDataKey*']),
    path: 'keys[0].Grants[0].Operations[0]',
    message: /"GenerateDataKey\*" is not a grant operation/,
    hint: /Did you mean "GenerateDataKey" or "GenerateDataKeyPair" or "GenerateDataKeyPairWithoutPlaintext" or "GenerateDataKeyWithoutPlaintext"\?/,
  },
  {
    name: 'grant operation that no grant can have',
    change: (s) => void (grant0(s).Operations = ['ListGrants']),
    path: 'keys[0].Grants[0].Operations[0]',
    message: /"ListGrants" is not a grant operation/,
  },
  {
    name: 'grant without operations',
    change: (s) => void (grant0(s).Operations = []),
    path: 'keys[0].Grants[0].Operations',
    message: /at least one operation/,
  },
  {
    name: 'grant without grantee',
    change: (s) => void delete grant0(s).GranteePrincipal,
    path: 'keys[0].Grants[0].GranteePrincipal',
    message: /GranteePrincipal is missing/,
  },
  {
    name: 'grant with a malformed grantee ARN',
    change: (s) => void (grant0(s).GranteePrincipal = 'arn:aws:iam::1234:role/x'),
    path: 'keys[0].Grants[0].GranteePrincipal',
    message: /invalid principal ARN "arn:aws:iam::1234:role\/x"/,
  },
  {
    name: 'unknown grant constraint',
    change: (s) => void (grant0(s).Constraints = { EncryptionContextEqual: { a: 'b' } }),
    path: 'keys[0].Grants[0].Constraints.EncryptionContextEqual',
    message: /unknown field "EncryptionContextEqual" in grant constraints/,
    hint: /Did you mean "EncryptionContextEquals"/,
  },
  {
    name: 'constraint value not a string',
    change: (s) => void (grant0(s).Constraints = { EncryptionContextSubset: { 'aws:ebs:id': 5 } }),
    path: 'keys[0].Grants[0].Constraints.EncryptionContextSubset.aws:ebs:id',
    message: /expected a string, got number/,
  },
  {
    name: 'near miss of a grant field',
    change: (s) => void (grant0(s).Constraint = {}),
    path: 'keys[0].Grants[0].Constraint',
    message: /unknown field "Constraint" in a grant/,
    hint: /Did you mean "Constraints"/,
  },
  {
    name: 'bad grant CreationDate',
    change: (s) => void (grant0(s).CreationDate = 'last tuesday'),
    path: 'keys[0].Grants[0].CreationDate',
    message: /expected a date/,
  },
  {
    name: 'bad grant State',
    change: (s) => void (grant0(s).State = 'pending'),
    path: 'keys[0].Grants[0].State',
    message: /not one of active, pending-consistency, retired/,
  },
  {
    name: 'grant of another key',
    change: (s) => void (grant0(s).KeyId = `arn:aws:kms:us-east-1:${ACCT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`),
    path: 'keys[0].Grants[0].KeyId',
    message: /is for key .*0987dcba.*, not/,
  },
  {
    name: 'grant listed twice',
    change: (s) => void (key0(s).Grants = [grant0(s), grant0(s)]),
    path: 'keys[0].Grants[1].GrantId',
    message: /grant g1 is listed twice/,
  },
  {
    name: 'truncated-list object with a typo',
    change: (s) => void (key0(s).Grants = { Grants: [], Truncate: true }),
    path: 'keys[0].Grants.Truncate',
    message: /unknown field "Truncate" in a ListGrants output/,
  },
  { name: 'tags of the wrong type', change: (s) => void (key0(s).Tags = 'Project=alpha'), path: 'keys[0].Tags', message: /expected a list of tags/ },
  {
    name: 'tag given twice',
    change: (s) =>
      void (key0(s).Tags = [
        { Key: 'a', Value: '1' },
        { Key: 'a', Value: '2' },
      ]),
    path: 'keys[0].Tags[1].Key',
    message: /tag "a" is given twice/,
  },
  { name: 'tag without its key', change: (s) => void (key0(s).Tags = [{ Value: '1' }]), path: 'keys[0].Tags[0].Key', message: /Key is missing/ },
  { name: 'invalid alias name', change: (s) => void (key0(s).Aliases = ['app']), path: 'keys[0].Aliases[0]', message: /invalid alias name "app"/ },
  {
    name: 'alias targeting another key',
    change: (s) => void (key0(s).Aliases = [{ AliasName: 'alias/x', TargetKeyId: 'other' }]),
    path: 'keys[0].Aliases[0].TargetKeyId',
    message: /targets other, not this key/,
  },
  { name: 'the same key twice', change: (s) => void (s.keys = [key0(s), key0(s)]), path: 'keys[1].KeyMetadata.Arn', message: /is already given at keys\[0\]/ },
  {
    name: 'unreadable marker without reason',
    change: (s) => void (key0(s).Policy = { kmsWhyUnreadable: {} }),
    path: 'keys[0].Policy.kmsWhyUnreadable.reason',
    message: /reason is missing/,
  },
  {
    name: 'unreadable marker with an unknown field',
    change: (s) => void (key0(s).Grants = { kmsWhyUnreadable: { reason: 'x', permission: 'y' } }),
    path: 'keys[0].Grants.kmsWhyUnreadable.permission',
    message: /unknown field "permission"/,
  },
  {
    name: 'invalid principal ARN',
    change: (s) => void (principal0(s).Arn = 'arn:aws:iam::111122223333:group/devs'),
    path: 'principals[0].Arn',
    message: /invalid principal ARN "arn:aws:iam::111122223333:group\/devs"/,
  },
  { name: 'principal without Arn', change: (s) => void delete principal0(s).Arn, path: 'principals[0].Arn', message: /Arn is missing/ },
  {
    name: 'unknown principal field',
    change: (s) => void (principal0(s).Policies = []),
    path: 'principals[0].Policies',
    message: /unknown field "Policies" in a principal entry/,
  },
  {
    name: 'identity policy without Document',
    change: (s) => void (principal0(s).IdentityPolicies = [{ PolicyName: 'p' }]),
    path: 'principals[0].IdentityPolicies[0].Document',
    message: /Document is missing/,
  },
  {
    name: 'identity policy without PolicyName',
    change: (s) => void (principal0(s).IdentityPolicies = [{ Document: doc([]) }]),
    path: 'principals[0].IdentityPolicies[0].PolicyName',
    message: /PolicyName is missing/,
  },
  {
    name: 'bad document in an identity policy',
    change: (s) =>
      void (principal0(s).IdentityPolicies = [
        { PolicyName: 'p', Document: doc([{ Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': null } } }]) },
      ]),
    path: 'principals[0].IdentityPolicies[0].Document.Statement[0].Condition.Bool.aws:SecureTransport',
    message: /got null/,
  },
  {
    name: 'permissions boundary of the wrong type',
    change: (s) => void (principal0(s).PermissionsBoundary = 'arn:aws:iam::111122223333:policy/b'),
    path: 'principals[0].PermissionsBoundary',
    message: /expected a permissions boundary/,
  },
  {
    name: 'session policies not a list',
    change: (s) => void (principal0(s).SessionPolicies = doc([])),
    path: 'principals[0].SessionPolicies',
    message: /expected a list of session policy documents/,
  },
  {
    name: 'bad session policy',
    change: (s) => void (principal0(s).SessionPolicies = [{ Statement: [{ Effect: 'Allow', Action: 'kms:*', NotResource: 'x', Resource: '*' }] }]),
    path: 'principals[0].SessionPolicies[0].Statement[0]',
    message: /both Resource and NotResource/,
  },
  {
    name: 'principal given twice',
    change: (s) => void (s.principals = [principal0(s), principal0(s)]),
    path: 'principals[1].Arn',
    message: /already given at principals\[0\]/,
  },
  {
    name: 'Organization account that is not an account id',
    change: (s) => void (s.Organization = { ServiceControlPolicies: { 'r-abcd': [] } }),
    path: 'Organization.ServiceControlPolicies.r-abcd',
    message: /"r-abcd" is not a 12-digit account id/,
  },
  {
    name: 'Organization level without policies',
    change: (s) => void (s.Organization = { ServiceControlPolicies: { [ACCT]: [{ Target: 'r-abcd', Policies: [] }] } }),
    path: `Organization.ServiceControlPolicies.${ACCT}[0].Policies`,
    message: /level r-abcd has no policies/,
    hint: /FullAWSAccess/,
  },
  {
    name: 'Organization policy that is neither document nor wrapper',
    change: (s) => void (s.Organization = { ResourceControlPolicies: { [ACCT]: [{ Target: 'r-abcd', Policies: [{ Name: 'x', Text: '{}' }] }] } }),
    path: `Organization.ResourceControlPolicies.${ACCT}[0].Policies[0].Text`,
    message: /unknown field "Text" in an organization policy/,
  },
  {
    name: 'Organization policy Content that is not JSON',
    change: (s) =>
      void (s.Organization = { ServiceControlPolicies: { [ACCT]: [{ Target: 'r-abcd', Policies: [{ Name: 'x', Content: '{"Statement": oops}' }] }] } }),
    path: `Organization.ServiceControlPolicies.${ACCT}[0].Policies[0].Content`,
    message: /not valid JSON/,
  },
  {
    name: 'unknown Organization field',
    change: (s) => void (s.Organization = { SCPs: {} }),
    path: 'Organization.SCPs',
    message: /unknown field "SCPs" in Organization/,
  },
  {
    name: 'Functions not a list',
    change: (s) => void (s.Functions = { FunctionName: 'f' }),
    path: 'Functions',
    message: /expected a list of GetFunctionConfiguration outputs/,
  },
  { name: 'capturedAt that is not a date', change: (s) => void (s.capturedAt = 'yesterday'), path: 'capturedAt', message: /expected an ISO 8601 date/ },
  {
    name: 'a key tag value longer than AWS allows',
    change: (s) => void ((s.keys as Array<Record<string, unknown>>)[0]!.Tags = [{ TagKey: 't', TagValue: 'a'.repeat(257) }]),
    path: 'keys[0].Tags[0].TagValue',
    message: /a tag value has at most 256 characters; this one has 257/,
  },
  {
    name: 'a key tag key longer than AWS allows (map form)',
    change: (s) => void ((s.keys as Array<Record<string, unknown>>)[0]!.Tags = { ['k'.repeat(129)]: 'v' }),
    path: `keys[0].Tags.${'k'.repeat(129)}`,
    message: /a tag key has at most 128 characters/,
  },
  { name: 'region of the wrong type', change: (s) => void (s.region = 1), path: 'region', message: /expected a string, got number/ },
  {
    name: 'principalsAskedFor not a list',
    change: (s) => void (s.principalsAskedFor = ROLE),
    path: 'principalsAskedFor',
    message: /expected a list of principal ARNs/,
  },
  {
    name: 'principalsAskedFor naming no principal',
    change: (s) => void (s.principalsAskedFor = [ROLE, 'arn:aws:s3:::bucket']),
    path: 'principalsAskedFor[1]',
    message: /"arn:aws:s3:::bucket" is not a principal/,
    hint: /--principal/,
  },
  {
    name: 'keysAskedFor not a list',
    change: (s) => void (s.keysAskedFor = KEY_ARN),
    path: 'keysAskedFor',
    message: /expected a list of key ARNs/,
  },
  {
    name: 'keysAskedFor naming no key ARN (an alias)',
    change: (s) => void (s.keysAskedFor = [KEY_ARN, 'alias/app']),
    path: 'keysAskedFor[1]',
    message: /"alias\/app" is not a key ARN/,
    hint: /KeyMetadata\.Arn/,
  },
  {
    name: 'keysAskedFor naming a principal',
    change: (s) => void (s.keysAskedFor = [ROLE]),
    path: 'keysAskedFor[0]',
    message: /is not a key ARN/,
  },
  {
    name: 'AccountAuthorizationDetails role with an invalid ARN',
    change: (s) => void (s.AccountAuthorizationDetails = { RoleDetailList: [{ RoleName: 'x', Arn: 'arn:aws:iam::111122223333:user/x' }] }),
    path: 'AccountAuthorizationDetails.RoleDetailList[0].Arn',
    message: /invalid role ARN/,
  },
  {
    name: 'AccountAuthorizationDetails managed policy with a bad document',
    change: (s) =>
      void (s.AccountAuthorizationDetails = {
        RoleDetailList: [
          { RoleName: 'r', Arn: `arn:aws:iam::${ACCT}:role/r`, AttachedManagedPolicies: [{ PolicyName: 'm', PolicyArn: `arn:aws:iam::${ACCT}:policy/m` }] },
        ],
        Policies: [
          {
            PolicyName: 'm',
            Arn: `arn:aws:iam::${ACCT}:policy/m`,
            DefaultVersionId: 'v1',
            PolicyVersionList: [
              {
                VersionId: 'v1',
                IsDefaultVersion: true,
                Document: doc([
                  { Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { DateGreaterThen: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } },
                ]),
              },
            ],
          },
        ],
      }),
    path: 'AccountAuthorizationDetails.Policies[0].PolicyVersionList[0].Document.Statement[0].Condition',
    message: /unknown operator "DateGreaterThen"/,
    hint: /DateGreaterThan/,
  },
];

describe('parseSnapshot: bad input', () => {
  it('the base snapshot is valid', () => {
    expect(parseSnapshot(base(), FILE).keys).toHaveLength(1);
  });

  it.each(BAD)('$name', ({ change, path, message, hint }) => {
    const s = base();
    const replaced = change(s);
    const raw = replaced === undefined ? s : replaced;
    expectInputError(() => parseSnapshot(raw, FILE), { file: FILE, message, ...(path !== undefined ? { path } : {}), ...(hint !== undefined ? { hint } : {}) });
  });

  it('has at least 30 distinct kinds of bad input', () => {
    expect(new Set(BAD.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });
});

describe('parseSnapshot: the full fixture', () => {
  const raw = JSON.parse(readFileSync(join(FIXTURES, 'snapshots/full.json'), 'utf8')) as Obj;
  const snap = parseSnapshot(raw, 'full.json');
  const [k1, k2] = snap.keys;

  it('keeps the top-level fields', () => {
    expect(snap.capturedAt).toBe('2026-11-25T10:00:00Z');
    expect(snap.region).toBe('us-east-1');
    expect(snap.functions).toEqual(raw.Functions);
  });

  it('reads the key metadata, aliases and tags', () => {
    expect(k1!.metadata).toEqual({
      keyId: KEY_ID,
      arn: KEY_ARN,
      account: ACCT,
      region: 'us-east-1',
      partition: 'aws',
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      keyManager: 'CUSTOMER',
      multiRegion: false,
      description: 'Payments application data',
    });
    expect(k1!.aliases).toEqual(['alias/payments']);
    expect(k1!.tags).toEqual({ Project: 'alpha' });
  });

  it('fills in DescribeKey defaults and takes account and region from the ARN', () => {
    expect(k2!.metadata).toMatchObject({
      account: ACCT,
      region: 'eu-west-1',
      keyState: 'Enabled',
      keyManager: 'CUSTOMER',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: true,
      multiRegionKeyType: 'REPLICA',
    });
  });

  it('parses the key policy with its origin', () => {
    const policy = known(k1!.policy);
    expect(policy).toMatchObject({ source: 'key-policy', name: 'key policy', version: '2012-10-17', origin: 'full.json: keys[0].Policy' });
    expect(policy.statements.map((s) => s.sid)).toEqual(['Enable IAM User Permissions', 'DenyOutsideOrg']);
    expect(policy.statements[1]!.condition).toEqual([
      { operator: 'StringNotEquals', key: 'aws:PrincipalOrgID', values: ['o-a1b2c3d4e5'] },
      { operator: 'Bool', key: 'aws:PrincipalIsAWSService', values: ['false'] },
    ]);
  });

  it('turns grants into the model, epoch seconds into ISO dates', () => {
    const grants = known(k1!.grants);
    expect(grants[0]).toEqual<Grant>({
      grantId: 'g-app-1',
      name: 'app',
      keyArn: KEY_ARN,
      granteePrincipal: `arn:aws:iam::${ACCT}:role/AppRole`,
      retiringPrincipal: `arn:aws:iam::${ACCT}:role/KeyAdmin`,
      issuingAccount: `arn:aws:iam::${ACCT}:root`,
      operations: ['Decrypt', 'GenerateDataKey'],
      constraints: { encryptionContextEquals: { Department: 'IT' } },
      state: 'active',
      creationDate: '2024-11-25T10:00:00.000Z',
    });
    expect(grants[1]).toMatchObject({ state: 'pending-consistency', grantToken: expect.stringMatching(/^AQpAM2Rh/) as unknown });
  });

  it('an unreadable key policy is unknown, with the reason and the permission', () => {
    expect(unknown(k2!.policy)).toEqual({
      unknown: true,
      what: `key policy of ${k2!.metadata.arn}`,
      reason: 'AccessDeniedException on kms:GetKeyPolicy',
      neededPermission: `kms:GetKeyPolicy on ${k2!.metadata.arn}`,
    });
  });

  it('a key without Grants has unknown grants', () => {
    expect(unknown(k2!.grants)).toEqual({ unknown: true, what: `grants of ${k2!.metadata.arn}`, reason: 'not in the snapshot' });
  });

  it('reads principals with identity policies (object and JSON string), boundary and tags', () => {
    const app = snap.principals[`arn:aws:iam::${ACCT}:role/AppRole`]!;
    const ids = policies(app.identityPolicies);
    expect(ids.map((p) => [p.name, p.arn, p.source])).toEqual([
      ['AppKms', undefined, 'identity-policy'],
      ['AppKmsManaged', `arn:aws:iam::${ACCT}:policy/AppKmsManaged`, 'identity-policy'],
    ]);
    expect(ids[1]!.statements[0]!.action).toEqual(['kms:Encrypt']);
    expect(ids[1]!.origin).toBe('full.json: principals[0].IdentityPolicies[1].Document');
    expect(known(app.permissionsBoundary)).toMatchObject({ source: 'permissions-boundary', name: 'Boundary', arn: `arn:aws:iam::${ACCT}:policy/Boundary` });
    expect(app.sessionPolicies).toEqual([]);
    expect(app.tags).toEqual({ team: 'a' });
  });

  it('reads a session with session policies and unreadable identity policies', () => {
    const session = snap.principals[`arn:aws:sts::${ACCT}:assumed-role/AppRole/batch`]!;
    expect(policies(session.sessionPolicies).map((p) => [p.name, p.source])).toEqual([['session-policy-1', 'session-policy']]);
    expect(unknown(session.identityPolicies)).toMatchObject({ reason: 'AccessDenied on iam:ListRolePolicies', neededPermission: 'iam:ListRolePolicies' });
    expect(session.permissionsBoundary).toBeNull();
  });

  it('reads the organization hierarchies', () => {
    const org = snap.organization!;
    expect(org.managementAccountId).toBe('999988887777');
    const scps = org.serviceControlPolicies[ACCT]!;
    expect(scps.map((l) => l.target)).toEqual(['r-abcd', 'ou-abcd-11112222', ACCT]);
    expect(scps[0]!.policies[0]).toMatchObject({ source: 'scp', name: 'FullAWSAccess' });
    expect(scps[1]!.policies.map((p) => p.name)).toEqual(['SCP 1 on ou-abcd-11112222', 'DenyKeyDeletion']);
    expect(org.resourceControlPolicies[ACCT]![0]!.policies[0]).toMatchObject({ source: 'rcp', name: 'RCPFullAWSAccess' });
  });

  it('records every input and where it came from', () => {
    expect(snap.inputs).toEqual([
      { what: `aliases of ${KEY_ARN}`, from: 'full.json: keys[0].Aliases', status: 'read' },
      { what: `key policy of ${KEY_ARN}`, from: 'full.json: keys[0].Policy', status: 'read' },
      { what: `grants of ${KEY_ARN}`, from: 'full.json: keys[0].Grants', status: 'read' },
      { what: `tags of ${KEY_ARN}`, from: 'full.json: keys[0].Tags', status: 'read' },
      { what: `aliases of ${k2!.metadata.arn}`, from: 'full.json: keys[1].Aliases', status: 'absent', detail: 'not in the snapshot' },
      {
        what: `key policy of ${k2!.metadata.arn}`,
        from: 'full.json: keys[1].Policy',
        status: 'unreadable',
        detail: `AccessDeniedException on kms:GetKeyPolicy (needs kms:GetKeyPolicy on ${k2!.metadata.arn})`,
      },
      { what: `grants of ${k2!.metadata.arn}`, from: 'full.json: keys[1].Grants', status: 'absent', detail: 'not in the snapshot' },
      { what: `principal arn:aws:iam::${ACCT}:role/AppRole`, from: 'full.json: principals[0]', status: 'read' },
      {
        what: `principal arn:aws:sts::${ACCT}:assumed-role/AppRole/batch`,
        from: 'full.json: principals[1]',
        status: 'unreadable',
        detail: `identity policies of arn:aws:sts::${ACCT}:assumed-role/AppRole/batch: AccessDenied on iam:ListRolePolicies (needs iam:ListRolePolicies)`,
      },
    ]);
  });

  it('parses the same way twice (no shared mutable state)', () => {
    expect(parseSnapshot(JSON.parse(JSON.stringify(raw)) as unknown, 'full.json')).toEqual(snap);
  });
});

describe('parseSnapshot: the honesty rules', () => {
  function oneKey(entry: Obj): ReturnType<typeof parseSnapshot>['keys'][number] {
    return parseSnapshot({ kmsWhySnapshot: 1, keys: [{ KeyMetadata: { Arn: KEY_ARN }, ...entry }] }, FILE).keys[0]!;
  }

  it('a key without Policy has an unknown policy; "Grants": [] means no grants', () => {
    const key = oneKey({ Grants: [] });
    expect(unknown(key.policy)).toEqual({ unknown: true, what: `key policy of ${KEY_ARN}`, reason: 'not in the snapshot' });
    expect(key.grants).toEqual([]);
    expect(key.tags).toEqual({});
  });

  it('a truncated ListGrants output is unknown, not partial', () => {
    const key = oneKey({ Grants: { Grants: [{ GrantId: 'g', GranteePrincipal: ROLE, Operations: ['Decrypt'] }], Truncated: true, NextMarker: 'abc' } });
    expect(unknown(key.grants)).toMatchObject({ what: `grants of ${KEY_ARN}`, reason: 'grants list is truncated' });
  });

  it('a complete ListGrants output as the Grants value is read', () => {
    const key = oneKey({ Grants: { Grants: [{ GrantId: 'g', GranteePrincipal: ROLE, Operations: ['Decrypt'] }], Truncated: false } });
    expect(known(key.grants).map((g) => g.grantId)).toEqual(['g']);
  });

  it('unreadable key tags are recorded apart, tags stay empty', () => {
    const key = oneKey({ Tags: { kmsWhyUnreadable: { reason: 'AccessDenied', neededPermission: 'kms:ListResourceTags' } } });
    expect(key.tags).toEqual({});
    expect(key.tagsUnknown).toMatchObject({ what: `tags of ${KEY_ARN}`, reason: 'AccessDenied' });
  });

  it('the policy may be the JSON string GetKeyPolicy returns', () => {
    const key = oneKey({ Policy: JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' })) });
    expect(known(key.policy).statements[0]!.principal?.wildcard).toBe(true);
  });

  it('accepts ListResourceTags and ListAliases entry shapes and the deprecated CustomerMasterKeySpec', () => {
    const key = parseSnapshot(
      {
        kmsWhySnapshot: 1,
        keys: [
          {
            KeyMetadata: { Arn: KEY_ARN, CustomerMasterKeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', Enabled: false },
            Tags: [{ TagKey: 'Project', TagValue: 'alpha' }],
            Aliases: [{ AliasName: 'alias/app', AliasArn: `arn:aws:kms:us-east-1:${ACCT}:alias/app`, TargetKeyId: KEY_ID }],
          },
        ],
      },
      FILE,
    ).keys[0]!;
    expect(key.metadata).toMatchObject({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', keyState: 'Disabled' });
    expect(key.tags).toEqual({ Project: 'alpha' });
    expect(key.aliases).toEqual(['alias/app']);
  });

  function onePrincipal(entry: Obj): PrincipalPolicies {
    return parseSnapshot({ kmsWhySnapshot: 1, principals: [{ Arn: ROLE, ...entry }] }, FILE).principals[ROLE]!;
  }

  it('a principal entry without IdentityPolicies has none; a principal without an entry is not there', () => {
    // Without Tags the tags are not given (tagsAbsent); "Tags": [] says none.
    const p = onePrincipal({});
    expect(p).toEqual({
      identityPolicies: [],
      permissionsBoundary: null,
      sessionPolicies: [],
      tags: {},
      tagsAbsent: { unknown: true, what: `tags of ${ROLE}`, reason: 'not in the snapshot' },
    });
    expect(onePrincipal({ Tags: [] })).toEqual({ identityPolicies: [], permissionsBoundary: null, sessionPolicies: [], tags: {} });
    expect(parseSnapshot({ kmsWhySnapshot: 1 }, FILE).principals).toEqual({});
  });

  it('principalsAskedFor: the principals a snapshot was made for; without it (older snapshots) the principals are all there are', () => {
    expect(parseSnapshot(base(), FILE).principalsAskedFor).toBeUndefined();
    expect(parseSnapshot({ ...base(), principalsAskedFor: [ROLE, ACCT] }, FILE).principalsAskedFor).toEqual([ROLE, ACCT]);
    // Made for no principal at all (keys only): still a selection, of none.
    expect(parseSnapshot({ ...base(), principalsAskedFor: [] }, FILE).principalsAskedFor).toEqual([]);
  });

  it('keysAskedFor: the keys a snapshot was made for; without it (older snapshots, snapshot --account) the keys are all there are', () => {
    expect(parseSnapshot(base(), FILE).keysAskedFor).toBeUndefined();
    expect(parseSnapshot({ ...base(), keysAskedFor: [KEY_ARN] }, FILE).keysAskedFor).toEqual([KEY_ARN]);
    // Made for no key at all: still a selection, of none.
    expect(parseSnapshot({ ...base(), keysAskedFor: [] }, FILE).keysAskedFor).toEqual([]);
  });

  it('a boundary named without its document is unknown', () => {
    const p = onePrincipal({ PermissionsBoundary: { PolicyArn: `arn:aws:iam::${ACCT}:policy/b` } });
    expect(unknown(p.permissionsBoundary)).toMatchObject({
      what: `permissions boundary of ${ROLE}`,
      reason: `the document of arn:aws:iam::${ACCT}:policy/b is not in the snapshot`,
    });
  });

  it('unreadable markers work for every principal input', () => {
    const marker = { kmsWhyUnreadable: { reason: 'AccessDenied' } };
    const p = onePrincipal({ IdentityPolicies: marker, PermissionsBoundary: marker, SessionPolicies: marker, Tags: marker });
    expect([p.identityPolicies, p.permissionsBoundary, p.sessionPolicies, p.tags].map((v) => unknown(v).what)).toEqual([
      `identity policies of ${ROLE}`,
      `permissions boundary of ${ROLE}`,
      `session policies of ${ROLE}`,
      `tags of ${ROLE}`,
    ]);
  });

  it('a role ARN with a path is its own resolved ARN', () => {
    const arn = `arn:aws:iam::${ACCT}:role/service-role/AppRole`;
    const p = parseSnapshot({ kmsWhySnapshot: 1, principals: [{ Arn: arn }] }, FILE).principals[arn]!;
    expect(p.resolvedArn).toBe(arn);
  });
});

describe('parseSnapshot: AccountAuthorizationDetails', () => {
  const aad = JSON.parse(readFileSync(join(FIXTURES, 'aws-cli/get-account-authorization-details.json'), 'utf8')) as Obj;
  const snap = parseSnapshot({ kmsWhySnapshot: 1, AccountAuthorizationDetails: aad }, FILE);
  const roleArn = `arn:aws:iam::${ACCT}:role/AppRole`;
  const rolePathArn = `arn:aws:iam::${ACCT}:role/service-role/AppRole`;

  const accountRead = (s: { inputs?: Array<{ what: string }> }) => s.inputs?.filter((r) => r.what.startsWith('IAM roles, users and policies'));

  it('complete: the account’s IAM is not recorded as read in part', () => {
    expect(accountRead(snap)).toEqual([]);
  });

  it.each([
    ['IsTruncated', { IsTruncated: true, Marker: 'page2' }],
    ['NextToken (--max-items)', { NextToken: 'eyJNYXJrZXIiOiBudWxsfQ==' }],
  ])('truncated (%s): the account’s IAM is recorded as read in part, which who-can reports', (_, page) => {
    const cut = parseSnapshot({ kmsWhySnapshot: 1, AccountAuthorizationDetails: { ...aad, ...page } }, FILE);
    expect(cut.principals[roleArn]).toBeDefined();
    expect(accountRead(cut)).toEqual([
      {
        what: `IAM roles, users and policies of account ${ACCT}`,
        from: `${FILE}: AccountAuthorizationDetails`,
        status: 'unreadable',
        detail: 'the get-account-authorization-details output is truncated; its later pages were not given',
      },
    ]);
  });

  it('an Unreadable entry names a read kms-why knows, or is refused (it would change nothing)', () => {
    const known = parseSnapshot(
      { kmsWhySnapshot: 1, Unreadable: [{ what: `IAM roles, users and policies of account ${ACCT}`, reason: 'AccessDenied' }] },
      FILE,
    );
    expect(known.inputs).toContainEqual({ what: `IAM roles, users and policies of account ${ACCT}`, from: FILE, status: 'unreadable', detail: 'AccessDenied' });
    expectInputError(
      () => parseSnapshot({ kmsWhySnapshot: 1, Unreadable: [{ what: "the account's IAM (GetAccountAuthorizationDetails)", reason: 'AccessDenied' }] }, FILE),
      {
        file: FILE,
        path: 'Unreadable[0].what',
        message: /is not an account-level read kms-why knows/,
      },
    );
  });

  it('files a role under its ARN without and with its path', () => {
    expect(snap.principals[roleArn]).toBeDefined();
    expect(snap.principals[rolePathArn]).toBe(snap.principals[roleArn]);
    expect(snap.principals[roleArn]!.resolvedArn).toBe(rolePathArn);
  });

  it('role: inline + default version of the managed policy + boundary + tags', () => {
    const role = snap.principals[roleArn]!;
    const ids = policies(role.identityPolicies);
    expect(ids.map((p) => [p.name, p.arn])).toEqual([
      ['kms-decrypt', undefined],
      ['AppKmsAccess', `arn:aws:iam::${ACCT}:policy/AppKmsAccess`],
    ]);
    expect(ids[1]!.statements[0]!.sid).toBe('KmsUse'); // v2, the default, not v1
    expect(ids[0]!.origin).toBe(`${FILE}: AccountAuthorizationDetails.RoleDetailList[0].RolePolicyList[0].PolicyDocument`);
    const boundary = known(role.permissionsBoundary);
    expect(boundary).toMatchObject({ source: 'permissions-boundary', name: 'DevBoundary', arn: `arn:aws:iam::${ACCT}:policy/DevBoundary` });
    expect(boundary!.statements.map((s) => s.sid)).toEqual(['Boundary', 'NoKeyDeletion']);
    expect(role.tags).toEqual({ team: 'payments', env: 'prod' });
    expect(role.sessionPolicies).toEqual([]);
  });

  it('user: own inline policy plus the group inline (URL-encoded) and managed policies', () => {
    const alice = snap.principals[`arn:aws:iam::${ACCT}:user/alice`]!;
    const ids = policies(alice.identityPolicies);
    expect(ids.map((p) => p.name)).toEqual(['alice-inline', 'developers/list-aliases', 'AppKmsAccess']);
    expect(ids[1]!.statements[0]!.action).toEqual(['kms:ListAliases']);
    expect(alice.permissionsBoundary).toBeNull();
    expect(alice.tags).toEqual({ team: 'payments' });
  });

  it('a managed policy attached but not in Policies makes identity policies unknown, naming it', () => {
    const reporting = snap.principals[`arn:aws:iam::${ACCT}:role/ReportingRole`]!;
    expect(unknown(reporting.identityPolicies).reason).toMatch(
      /managed policy arn:aws:iam::aws:policy\/AWSKeyManagementServicePowerUser is attached but not in the Policies list/,
    );
  });

  it('a boundary whose document is absent is unknown; a missing group makes policies unknown', () => {
    const details = {
      RoleDetailList: [
        {
          RoleName: 'r',
          Arn: `arn:aws:iam::${ACCT}:role/r`,
          PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: `arn:aws:iam::${ACCT}:policy/gone` },
        },
      ],
      UserDetailList: [{ UserName: 'bob', Arn: `arn:aws:iam::${ACCT}:user/bob`, GroupList: ['ops'] }],
    };
    const s = parseSnapshot({ kmsWhySnapshot: 1, AccountAuthorizationDetails: details }, FILE);
    expect(unknown(s.principals[`arn:aws:iam::${ACCT}:role/r`]!.permissionsBoundary).reason).toMatch(/policy\/gone is attached but not in the Policies list/);
    expect(unknown(s.principals[`arn:aws:iam::${ACCT}:user/bob`]!.identityPolicies).reason).toBe('group ops is not in the GroupDetailList');
    expect(s.inputs?.find((r) => r.what === `principal arn:aws:iam::${ACCT}:user/bob`)).toMatchObject({ status: 'unreadable' });
  });

  it('an explicit principal entry wins over the derived one', () => {
    const s = parseSnapshot({ kmsWhySnapshot: 1, principals: [{ Arn: roleArn }], AccountAuthorizationDetails: aad }, FILE);
    expect(s.principals[roleArn]!.identityPolicies).toEqual([]);
    expect(s.principals[roleArn]!.resolvedArn).toBe(rolePathArn);
    expect(s.principals[rolePathArn]).toBeUndefined();
  });
});
