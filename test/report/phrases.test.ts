// The facts the evaluator records, phrased: each kind of grant detail, condition note, ineffective
// statement and further permission has the words the JSON report carried when the evaluator built
// them itself. Each table is a Record over the kind, so a new kind fails to compile until phrased here.
import { describe, expect, it } from 'vitest';
import type {
  ChildConstraint,
  ConditionMatch,
  ConditionNote,
  GrantDetail,
  GrantMatch,
  HintNote,
  IneffectiveReason,
  PartGap,
  PartWhat,
  StatementMatch,
  TraceFact,
} from '../../src/model/decision.js';
import {
  childConstraintText,
  conditionNoteText,
  findingText,
  grantDetailText,
  hintText,
  ineffectiveText,
  partGapText,
  partSupplyText,
  partWhatText,
  phraseCondition,
  phraseGrant,
  phraseStatement,
  phraseStep,
  questionText,
} from '../../src/report/phrases.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const gives: GrantDetail = { kind: 'gives-account', grantId: 'g1', account: '111122223333', operation: 'Decrypt' };

const GRANT_DETAILS: Record<GrantDetail['kind'], [GrantDetail, string]> = {
  none: [{ kind: 'none' }, ''],
  gives: [{ kind: 'gives', grantId: 'g1', principal: ROLE, operation: 'Decrypt' }, `grant g1 gives ${ROLE} Decrypt`],
  'gives-account': [gives, 'grant g1 gives account 111122223333 Decrypt; its IAM principals need an IAM allow'],
  'no-iam-side': [
    { kind: 'no-iam-side', of: gives, blockedBy: 'permissions-boundary' },
    'grant g1 gives account 111122223333 Decrypt; its IAM principals need an IAM allow (the permissions-boundary blocks it)',
  ],
  limited: [
    { kind: 'limited', of: { kind: 'gives', grantId: 'g2', principal: ROLE, operation: 'Encrypt' }, limit: 'session-policy' },
    `grant g2 gives ${ROLE} Encrypt (limited by the session-policy)`,
  ],
  'orphaned-grantee': [
    { kind: 'orphaned-grantee', grantee: 'AROAEXAMPLE' },
    'grantee AROAEXAMPLE is the unique id of a deleted principal; it matches no current principal (a role deleted and recreated gets a new id)',
  ],
  'other-grantee': [
    { kind: 'other-grantee', grantee: 'arn:aws:iam::111122223333:role/other', principal: ROLE },
    `grantee arn:aws:iam::111122223333:role/other is not ${ROLE}`,
  ],
  operation: [
    { kind: 'operation', operations: ['Encrypt', 'Decrypt'], operation: 'Sign', grantable: true },
    "the grant's operations (Encrypt, Decrypt) do not include Sign",
  ],
  retired: [{ kind: 'retired' }, 'the grant is retired or revoked'],
  pending: [{ kind: 'pending' }, 'the grant is not yet consistent (usually under five minutes) and the request does not present its grant token'],
  'constraint-on-asymmetric': [
    { kind: 'constraint-on-asymmetric', keySpec: 'RSA_2048' },
    'the grant has an encryption-context constraint, which KMS does not allow on a RSA_2048 key; the grant is invalid',
  ],
  'context-exactly': [
    { kind: 'context-exactly', needed: { app: 'x', env: 'prod' }, given: {} },
    'the grant needs the encryption context to be exactly {app=x, env=prod}; the request has {}',
  ],
  'context-include': [
    { kind: 'context-include', needed: { app: 'x' }, given: { app: 'y' } },
    'the grant needs the encryption context to include {app=x}; the request has {app=y}',
  ],
  'source-arn': [{ kind: 'source-arn', sourceArn: 'arn:aws:s3:::bucket' }, 'the grant applies only to requests on behalf of arn:aws:s3:::bucket'],
  'child-unknown': [
    { kind: 'child-unknown' },
    'the request does not say which grant would be created (give --grantee and --grant-operations), so the parent grant cannot be checked',
  ],
  'child-operations': [
    { kind: 'child-operations', parentGrantId: 'p1', extra: ['Sign', 'Verify'] },
    'a child grant may contain only operations of its parent grant p1; Sign, Verify are not among them',
  ],
  'child-constraints': [
    { kind: 'child-constraints', parentGrantId: 'p1', needs: { kind: 'none' } },
    "the child grant's constraints must be at least as strict as those of parent grant p1: it needs no constraint",
  ],
};

const CHILD_CONSTRAINTS: Record<ChildConstraint['kind'], [ChildConstraint, string]> = {
  equals: [{ kind: 'equals', context: { a: '1' } }, 'EncryptionContextEquals {a=1} (--grant-constraint-equals), exactly as the parent'],
  subset: [
    { kind: 'subset', context: { a: '1', b: '2' } },
    'EncryptionContextSubset (--grant-constraint-subset) or EncryptionContextEquals with at least {a=1, b=2}',
  ],
  none: [{ kind: 'none' }, 'no constraint'],
};

const CONDITION_NOTES: Record<ConditionNote['kind'], Array<[ConditionNote, string]>> = {
  unreadable: [
    [{ kind: 'unreadable' }, 'the value of this key could not be read'],
    [{ kind: 'unreadable', name: 'aws:PrincipalTag/team' }, 'the value of aws:PrincipalTag/team could not be read'],
  ],
  underivable: [
    [
      { kind: 'underivable', supply: '--condition aws:SourceIp=203.0.113.7' },
      'kms-why cannot derive this key; give it with --condition aws:SourceIp=203.0.113.7',
    ],
    [{ kind: 'underivable', name: 'aws:userid', supply: '--principal-id ID' }, 'kms-why cannot derive aws:userid; give it with --principal-id ID'],
  ],
  'variable-no-value': [[{ kind: 'variable-no-value' }, 'a policy variable in this condition has no value in the request, so that value matches nothing']],
  'no-encryption-context': [
    [{ kind: 'no-encryption-context', action: 'kms:GenerateMac' }, 'a kms:GenerateMac request carries no encryption context, so this can never hold'],
  ],
};

const INEFFECTIVE: Record<IneffectiveReason, string> = {
  'no-action': 'the statement has no Action, so it has no effect',
  'no-resource': 'the statement has no Resource, so it has no effect',
  'no-principal': 'the statement has no Principal, so it applies to nobody',
};

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const PART_WHAT: Record<PartWhat['kind'], Array<[PartWhat, string]>> = {
  'alias-current-key': [
    [{ kind: 'alias-current-key', alias: 'alias/app' }, 'the key alias/app points to now'],
    [{ kind: 'alias-current-key', alias: 'alias/app', keyArn: KEY }, `the key alias/app points to now (${KEY})`],
  ],
  'replica-create-key': [
    [{ kind: 'replica-create-key' }, 'kms:CreateKey in the replica Region'],
    [{ kind: 'replica-create-key', region: 'eu-west-1' }, 'kms:CreateKey in the replica Region (eu-west-1)'],
  ],
  'replica-tag': [
    [{ kind: 'replica-tag' }, 'kms:TagResource on the replica'],
    [{ kind: 'replica-tag', replicaArn: KEY }, `kms:TagResource on the replica ${KEY}`],
  ],
  'replica-key': [
    [{ kind: 'replica-key' }, 'the replica key'],
    [{ kind: 'replica-key', keyArn: KEY }, `the replica key ${KEY}`],
    [{ kind: 'replica-key', region: 'eu-west-1' }, 'the replica key in eu-west-1'],
  ],
};

const PART_GAP: Record<PartGap['kind'], [PartGap, string, string]> = {
  'alias-target-unknown': [
    { kind: 'alias-target-unknown', alias: 'alias/app' },
    'the snapshot does not say which key alias/app points to now (no key in it lists that alias)',
    'add that key to the snapshot (kms-why snapshot --key alias/app), or check it with --key <its current key>',
  ],
  'replica-region-unknown': [
    { kind: 'replica-region-unknown' },
    'the request tags the replica but does not say its Region',
    '--condition kms:ReplicaRegion=REGION',
  ],
  'primary-region-unknown': [
    { kind: 'primary-region-unknown' },
    'the request does not say which Region becomes primary',
    '--condition kms:PrimaryRegion=REGION',
  ],
  'replica-not-in-snapshot': [
    { kind: 'replica-not-in-snapshot', keyId: 'mrk-1', region: 'eu-west-1', partition: 'aws', account: '111122223333' },
    'the snapshot has no key mrk-1 in eu-west-1',
    'add the replica to the snapshot (kms-why snapshot --key arn:aws:kms:eu-west-1:111122223333:key/mrk-1)',
  ],
};

describe('grant details', () => {
  it.each(Object.entries(GRANT_DETAILS))('%s', (kind, [fact, text]) => {
    expect(fact.kind).toBe(kind);
    expect(grantDetailText(fact)).toBe(text);
  });
  it('a grant operation no grant can allow says so', () => {
    expect(grantDetailText({ kind: 'operation', operations: ['Decrypt'], operation: 'GetKeyPolicy', grantable: false })).toBe(
      "the grant's operations (Decrypt) do not include GetKeyPolicy, which no grant can allow",
    );
  });
  it('an account grant without an identity-policy allow, and none limiting it', () => {
    expect(grantDetailText({ kind: 'no-iam-side', of: gives })).toBe(
      'grant g1 gives account 111122223333 Decrypt; its IAM principals need an IAM allow, and no identity policy allows it',
    );
  });
  it.each(Object.entries(CHILD_CONSTRAINTS))('child constraint %s', (kind, [c, text]) => {
    expect(c.kind).toBe(kind);
    expect(childConstraintText(c)).toBe(text);
    expect(grantDetailText({ kind: 'child-constraints', parentGrantId: 'p', needs: c })).toBe(
      `the child grant's constraints must be at least as strict as those of parent grant p: it needs ${text}`,
    );
  });
  it('one extra child operation is singular', () => {
    expect(grantDetailText({ kind: 'child-operations', parentGrantId: 'p1', extra: ['Sign'] })).toBe(
      'a child grant may contain only operations of its parent grant p1; Sign is not among them',
    );
  });
});

describe('condition notes and ineffective statements', () => {
  it.each(Object.entries(CONDITION_NOTES))('%s', (kind, cases) => {
    for (const [note, text] of cases) {
      expect(note.kind).toBe(kind);
      expect(conditionNoteText(note)).toBe(text);
    }
  });
  it.each(Object.entries(INEFFECTIVE))('%s', (reason, text) => {
    expect(ineffectiveText(reason as IneffectiveReason)).toBe(text);
  });
});

describe('further permissions', () => {
  it.each(Object.entries(PART_WHAT))('what: %s', (kind, cases) => {
    for (const [what, text] of cases) {
      expect(what.kind).toBe(kind);
      expect(partWhatText(what)).toBe(text);
    }
  });
  it.each(Object.entries(PART_GAP))('gap: %s', (kind, [gap, missing, supply]) => {
    expect(gap.kind).toBe(kind);
    expect(partGapText(gap)).toBe(missing);
    expect(partSupplyText(gap)).toBe(supply);
    const what: PartWhat = { kind: 'replica-key' };
    expect(hintText({ kind: 'companion-unknown', action: 'kms:UpdatePrimaryRegion', what, missing: gap })).toBe(
      `kms:UpdatePrimaryRegion also needs permission on the replica key, but ${missing}: ${supply}.`,
    );
    expect(findingText({ kind: 'companion-unknown', missing: gap })).toBe(missing);
  });
  it('a part names its further permission before the note and the question', () => {
    const what: PartWhat = { kind: 'alias-current-key', alias: 'alias/app', keyArn: KEY };
    const note: HintNote = { kind: 'part', what, note: { kind: 'give-grant-id' } };
    expect(hintText(note)).toBe(`[the key alias/app points to now (${KEY})] RetireGrant is authorized by the grant being retired: give --grant-id.`);
    expect(questionText({ kind: 'companion', principal: ROLE, action: 'kms:UpdateAlias', what })).toBe(
      `Is ${ROLE} also allowed kms:UpdateAlias on the key alias/app points to now (${KEY})?`,
    );
    const fact: TraceFact = {
      step: 'grant',
      ask: { kind: 'any-grant', action: 'kms:Decrypt' },
      answer: 'no',
      why: { kind: 'no-grant-id' },
      within: [what, { kind: 'replica-key' }],
    };
    expect(phraseStep(fact).question).toBe(`[the key alias/app points to now (${KEY})] [the replica key] Does a grant allow kms:Decrypt?`);
  });
});

describe('matches phrased for the report', () => {
  it('a statement keeps every key where it was, its note and its conditions’ notes in words', () => {
    const cond: ConditionMatch = {
      operator: 'StringEquals',
      key: 'aws:userid',
      expected: ['x'],
      actual: null,
      matched: false,
      missing: false,
      unknown: true,
      note: { kind: 'unreadable' },
    };
    const s: StatementMatch = {
      source: 'key-policy',
      policyName: 'default',
      id: 'S1',
      statementIndex: 0,
      effect: 'Allow',
      matched: false,
      conditions: [cond],
      note: 'no-principal',
      failed: 'ineffective-statement',
    };
    const out = phraseStatement(s);
    expect(Object.keys(out)).toEqual(Object.keys(s));
    expect(out.note).toBe(INEFFECTIVE['no-principal']);
    expect(out.conditions[0]?.note).toBe('the value of this key could not be read');
    const plain = phraseStatement({ ...s, note: undefined, conditions: [] });
    expect('note' in plain).toBe(false);
    const { note: _n, ...noNote } = cond;
    expect(phraseCondition(noNote)).toEqual(noNote);
  });
  it('a grant keeps its keys, its detail in words or the given words', () => {
    const g: GrantMatch = {
      grantId: 'g1',
      granteePrincipal: ROLE,
      operations: ['Decrypt'],
      matched: false,
      failed: 'grant-state',
      detail: { kind: 'retired' },
    };
    expect(Object.keys(phraseGrant(g))).toEqual(Object.keys(g));
    expect(phraseGrant(g).detail).toBe('the grant is retired or revoked');
    expect(phraseGrant(g, 'it is the retiring principal').detail).toBe('it is the retiring principal');
  });
  it('grant findings and hints phrase each grant detail', () => {
    const [pending, text] = GRANT_DETAILS.pending;
    expect(findingText({ kind: 'grant-state', detail: pending })).toBe(text);
    expect(findingText({ kind: 'grants-allow', details: [GRANT_DETAILS.gives[0], gives] })).toBe(
      `${GRANT_DETAILS.gives[1]}; ${GRANT_DETAILS['gives-account'][1]}`,
    );
    expect(findingText({ kind: 'grants-deny', grants: [{ grantId: 'g9', detail: pending }], others: 0 })).toBe(`g9: ${text}`);
    expect(hintText({ kind: 'grant-state', grantId: 'g9', detail: pending, token: true })).toBe(
      `Grant g9: ${text}; pass its grant token (--grant-token), or retry in a few minutes.`,
    );
  });
});
