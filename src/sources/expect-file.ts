// The expectation file of `kms-why grants --expect FILE` (docs/expect-file.md): either a JSON array
// of matchers, each naming a grant that is expected on the key, or an object
// `{"kmsWhyExpect": 1, "grants": [matchers], "accept": [accepted findings]}`.
import { GRANT_OPERATIONS } from '../model/actions.js';
import { acceptanceExpiry, FINDING_CODES, type AcceptedFinding, type ExpectedGrant } from '../model/grant-findings.js';
import { expectArray, expectObject, fail, index, isObject, member, nearest, rejectUnknownFields, stringMap, type Where } from './json-path.js';

/** Version of the object form of the expectation file. */
export const EXPECT_FILE_VERSION = 1;

export interface ExpectationFile {
  grants: ExpectedGrant[];
  accept: AcceptedFinding[];
  /** Where the lists sit in the JSON: [] for the array form, ['grants'] for the object form. */
  grantsPath: string[];
}

/** Reads either form of the expectation file. */
export function parseExpectationFile(raw: unknown, file: string): ExpectationFile {
  if (!isObject(raw)) return { grants: parseExpectations(raw, file), accept: [], grantsPath: [] };
  const root: Where = { file, path: '' };
  rejectUnknownFields(raw, ['kmsWhyExpect', 'grants', 'accept'], root, 'an expectation file');
  if (raw.kmsWhyExpect !== undefined && raw.kmsWhyExpect !== EXPECT_FILE_VERSION) {
    fail(
      member(root, 'kmsWhyExpect'),
      `unsupported expectation file version ${JSON.stringify(raw.kmsWhyExpect)}`,
      `This kms-why reads version ${EXPECT_FILE_VERSION}.`,
    );
  }
  const grants = raw.grants === undefined ? [] : parseExpectationList(raw.grants, member(root, 'grants'));
  const accept = raw.accept === undefined ? [] : parseAcceptList(raw.accept, member(root, 'accept'));
  return { grants, accept, grantsPath: ['grants'] };
}

const ACCEPT_FIELDS = ['code', 'grant', 'grantee', 'key', 'reason', 'expires'] as const;

function parseAcceptList(raw: unknown, where: Where): AcceptedFinding[] {
  return expectArray(raw, where, 'an array of accepted findings').map((item, i) => {
    const at = index(where, i);
    const o = expectObject(item, at, 'an accepted finding object');
    rejectUnknownFields(o, ACCEPT_FIELDS, at, 'an accepted finding');
    if (typeof o.code !== 'string' || !FINDING_CODES.includes(o.code)) {
      const near = typeof o.code === 'string' ? nearest(o.code, FINDING_CODES) : undefined;
      fail(
        member(at, 'code'),
        o.code === undefined ? 'code is required: the finding code to accept' : `unknown finding code ${JSON.stringify(o.code)}`,
        near ? `Did you mean "${near}"?` : `Finding codes: ${FINDING_CODES.join(', ')}.`,
      );
    }
    if ((o.grant === undefined) === (o.grantee === undefined)) fail(at, 'give exactly one of grant (a grant id) or grantee (a principal pattern)');
    for (const f of ['grant', 'grantee', 'key'] as const) {
      if (o[f] !== undefined && (typeof o[f] !== 'string' || o[f].trim() === '')) fail(member(at, f), `${f} must be a non-empty string`);
    }
    if (typeof o.reason !== 'string' || o.reason.trim() === '') fail(member(at, 'reason'), 'reason is required: why this finding is accepted');
    const a: AcceptedFinding = { code: o.code, reason: o.reason };
    if (o.grant !== undefined) a.grant = o.grant as string;
    if (o.grantee !== undefined) a.grantee = o.grantee as string;
    if (o.key !== undefined) a.key = o.key as string;
    if (o.expires !== undefined) {
      if (typeof o.expires !== 'string' || Number.isNaN(acceptanceExpiry(o.expires)) || !/^\d{4}-\d{2}-\d{2}/.test(o.expires)) {
        fail(
          member(at, 'expires'),
          `expires ${JSON.stringify(o.expires)} is not a date`,
          'Write the day as YYYY-MM-DD (the acceptance ends at 00:00 UTC that day), or an ISO 8601 time.',
        );
      }
      a.expires = o.expires;
    }
    return a;
  });
}

const FIELDS = ['grantee', 'operations', 'constraints', 'retiringPrincipal', 'serviceCreated', 'note'] as const;

export function parseExpectations(raw: unknown, file: string): ExpectedGrant[] {
  return parseExpectationList(raw, { file, path: '' });
}

function parseExpectationList(raw: unknown, root: Where): ExpectedGrant[] {
  const list = expectArray(
    raw,
    root,
    root.path === '' ? 'a JSON array of expected grants, or an object with "grants" and "accept"' : 'an array of expected grants',
  );
  return list.map((item, i) => {
    const at = index(root, i);
    const o = expectObject(item, at, 'an expected grant object');
    rejectUnknownFields(o, FIELDS, at, 'an expected grant');
    if (typeof o.grantee !== 'string' || o.grantee.trim() === '') fail(member(at, 'grantee'), 'grantee is required: an ARN, exact or with * wildcards');
    const opsAt = member(at, 'operations');
    const ops = expectArray(o.operations, opsAt, 'an array of grant operations').map((op, j) => {
      if (typeof op !== 'string' || !GRANT_OPERATIONS.includes(op)) {
        const near = typeof op === 'string' ? nearest(op, GRANT_OPERATIONS) : undefined;
        fail(
          index(opsAt, j),
          `unknown grant operation ${JSON.stringify(op)}`,
          near ? `Did you mean "${near}"?` : `Grant operations: ${GRANT_OPERATIONS.join(', ')}.`,
        );
      }
      return op;
    });
    const m: ExpectedGrant = { grantee: o.grantee, operations: ops };
    if (o.constraints !== undefined) {
      const cAt = member(at, 'constraints');
      if (o.constraints === 'required') m.constraints = 'required';
      else {
        const c = expectObject(o.constraints, cAt, '"required" or an object with EncryptionContextEquals or EncryptionContextSubset');
        rejectUnknownFields(c, ['EncryptionContextEquals', 'EncryptionContextSubset'], cAt, 'constraints');
        const out: { EncryptionContextEquals?: Record<string, string>; EncryptionContextSubset?: Record<string, string> } = {};
        if (c.EncryptionContextEquals !== undefined) out.EncryptionContextEquals = stringMap(c.EncryptionContextEquals, member(cAt, 'EncryptionContextEquals'));
        if (c.EncryptionContextSubset !== undefined) out.EncryptionContextSubset = stringMap(c.EncryptionContextSubset, member(cAt, 'EncryptionContextSubset'));
        if (out.EncryptionContextEquals === undefined && out.EncryptionContextSubset === undefined)
          fail(cAt, 'constraints needs EncryptionContextEquals or EncryptionContextSubset (or the string "required")');
        m.constraints = out;
      }
    }
    if (o.retiringPrincipal !== undefined) {
      if (typeof o.retiringPrincipal !== 'string') fail(member(at, 'retiringPrincipal'), 'retiringPrincipal must be a string');
      m.retiringPrincipal = o.retiringPrincipal;
    }
    if (o.serviceCreated !== undefined) {
      if (typeof o.serviceCreated !== 'boolean') fail(member(at, 'serviceCreated'), 'serviceCreated must be true or false');
      m.serviceCreated = o.serviceCreated;
    }
    if (o.note !== undefined) {
      if (typeof o.note !== 'string') fail(member(at, 'note'), 'note must be a string');
      m.note = o.note;
    }
    return m;
  });
}
