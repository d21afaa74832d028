// The expectation file of `kms-why grants --expect FILE`: a JSON array of matchers, each naming a
// grant that is expected on the key (README "Expected grants").
import { GRANT_OPERATIONS } from '../model/actions.js';
import type { ExpectedGrant } from '../evaluate/grants-audit.js';
import { expectArray, expectObject, fail, index, member, nearest, rejectUnknownFields, stringMap, type Where } from './json-path.js';

const FIELDS = ['grantee', 'operations', 'constraints', 'retiringPrincipal', 'serviceCreated', 'note'] as const;

export function parseExpectations(raw: unknown, file: string): ExpectedGrant[] {
  const root: Where = { file, path: '' };
  const list = expectArray(raw, root, 'a JSON array of expected grants');
  return list.map((item, i) => {
    const at = index(root, i);
    const o = expectObject(item, at, 'an expected grant object');
    rejectUnknownFields(o, FIELDS, at, 'an expected grant');
    if (typeof o.grantee !== 'string' || o.grantee.trim() === '') fail(member(at, 'grantee'), 'grantee is required: an ARN, exact or with * wildcards');
    const opsAt = member(at, 'operations');
    const ops = expectArray(o.operations, opsAt, 'an array of grant operations').map((op, j) => {
      if (typeof op !== 'string' || !GRANT_OPERATIONS.includes(op)) {
        const near = typeof op === 'string' ? nearest(op, GRANT_OPERATIONS) : undefined;
        fail(index(opsAt, j), `unknown grant operation ${JSON.stringify(op)}`, near ? `Did you mean "${near}"?` : `Grant operations: ${GRANT_OPERATIONS.join(', ')}.`);
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
        if (out.EncryptionContextEquals === undefined && out.EncryptionContextSubset === undefined) fail(cAt, 'constraints needs EncryptionContextEquals or EncryptionContextSubset (or the string "required")');
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
