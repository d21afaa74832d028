// A policy document, already read as JSON, turned into the normalized model, with errors that
// name the JSON path of the problem. Pure; sources/policy-document.ts reads the document's text
// (a JSON string, or IAM's URL-encoded JSON) first.
import { nearestOperator, parseOperator } from './condition-operators.js';
import { isBoolValue, parseCidr, parseDate, parseNumber } from './condition-values.js';
import { InputError } from './errors.js';
import type { ConditionClause, Policy, PolicySource, PrincipalElement, Statement } from './policy.js';

export interface PolicyParseOptions {
  source: PolicySource;
  name: string;
  arn?: string;
  /** File the document came from, for messages. */
  file?: string;
  /** JSON path of the document inside that file, e.g. `keys[0].Policy`. */
  path: string;
}

const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const DOCUMENT_FIELDS = new Set(['Version', 'Id', 'Statement']);
/** https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html */
const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'];

/** The JSON type of a value, for messages ("expected a string, got array"). */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A policy document given as a JSON value (not a string: see sources/policy-document.ts). */
export function policyFromJson(value: unknown, opts: PolicyParseOptions): Policy {
  const where = { file: opts.file, path: opts.path };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`a policy document must be a JSON object, got ${typeName(value)}`, errOptsLoose(where));
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!DOCUMENT_FIELDS.has(k)) {
      throw new InputError(
        `unknown policy element "${k}"`,
        errOptsLoose({ ...where, path: `${opts.path}.${k}` }, 'A policy document has Version, Id and Statement.'),
      );
    }
  }
  if (obj.Version !== undefined && typeof obj.Version !== 'string') {
    throw new InputError(`Version must be a string, got ${typeName(obj.Version)}`, errOptsLoose({ ...where, path: `${opts.path}.Version` }));
  }
  // The policy language has two versions; AWS refuses a document that names any other
  // (IAM JSON policy elements: Version).
  if (typeof obj.Version === 'string' && !POLICY_VERSIONS.includes(obj.Version)) {
    throw new InputError(
      `Version ${JSON.stringify(obj.Version)} is not a policy language version`,
      errOptsLoose({ ...where, path: `${opts.path}.Version` }, 'Version is "2012-10-17" (current) or "2008-10-17"; leave it out only for the older one.'),
    );
  }
  if (obj.Statement === undefined) {
    throw new InputError('policy document has no Statement', errOptsLoose(where));
  }
  const rawStatements = Array.isArray(obj.Statement) ? obj.Statement : [obj.Statement];
  const statements = rawStatements.map((s, i) =>
    parseStatement(s, i, { file: opts.file, path: Array.isArray(obj.Statement) ? `${opts.path}.Statement[${i}]` : `${opts.path}.Statement` }),
  );
  const policy: Policy = { source: opts.source, name: opts.name, statements };
  if (opts.arn !== undefined) policy.arn = opts.arn;
  if (typeof obj.Version === 'string') policy.version = obj.Version;
  if (typeof obj.Id === 'string') policy.id = obj.Id;
  policy.origin = opts.file !== undefined ? `${opts.file}: ${opts.path}` : opts.path;
  return policy;
}

export function errOptsLoose(where: { file?: string | undefined; path: string }, hint?: string): { file?: string; path: string; hint?: string } {
  const o: { file?: string; path: string; hint?: string } = { path: where.path };
  if (where.file !== undefined) o.file = where.file;
  if (hint !== undefined) o.hint = hint;
  return o;
}

function parseStatement(raw: unknown, index: number, where: { file?: string | undefined; path: string }): Statement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`a statement must be a JSON object, got ${typeName(raw)}`, errOptsLoose(where));
  }
  const s = raw as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!STATEMENT_FIELDS.has(k)) {
      const near = [...STATEMENT_FIELDS].find((f) => f.toLowerCase() === k.toLowerCase());
      throw new InputError(
        `unknown statement element "${k}"`,
        errOptsLoose(
          { ...where, path: `${where.path}.${k}` },
          near ? `Did you mean "${near}"? Element names are case-sensitive.` : `A statement has ${[...STATEMENT_FIELDS].join(', ')}.`,
        ),
      );
    }
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    throw new InputError(
      s.Effect === undefined ? 'statement has no Effect' : `Effect must be "Allow" or "Deny", got ${JSON.stringify(s.Effect)}`,
      errOptsLoose({ ...where, path: `${where.path}.Effect` }),
    );
  }
  if (s.Sid !== undefined && typeof s.Sid !== 'string') {
    throw new InputError(`Sid must be a string, got ${typeName(s.Sid)}`, errOptsLoose({ ...where, path: `${where.path}.Sid` }));
  }
  pairCheck(s, 'Principal', 'NotPrincipal', where);
  pairCheck(s, 'Action', 'NotAction', where);
  pairCheck(s, 'Resource', 'NotResource', where);
  const st: Statement = { index, effect: s.Effect, condition: [], raw };
  if (typeof s.Sid === 'string') st.sid = s.Sid;
  if (s.Principal !== undefined) st.principal = parsePrincipal(s.Principal, { ...where, path: `${where.path}.Principal` }, 'Principal');
  if (s.NotPrincipal !== undefined) st.notPrincipal = parsePrincipal(s.NotPrincipal, { ...where, path: `${where.path}.NotPrincipal` }, 'NotPrincipal');
  if (s.Action !== undefined) st.action = elementList(s.Action, { ...where, path: `${where.path}.Action` }, 'Action');
  if (s.NotAction !== undefined) st.notAction = elementList(s.NotAction, { ...where, path: `${where.path}.NotAction` }, 'NotAction');
  if (s.Resource !== undefined) st.resource = elementList(s.Resource, { ...where, path: `${where.path}.Resource` }, 'Resource');
  if (s.NotResource !== undefined) st.notResource = elementList(s.NotResource, { ...where, path: `${where.path}.NotResource` }, 'NotResource');
  if (s.Condition !== undefined) st.condition = parseCondition(s.Condition, { ...where, path: `${where.path}.Condition` });
  return st;
}

function pairCheck(s: Record<string, unknown>, a: string, b: string, where: { file?: string | undefined; path: string }): void {
  if (s[a] !== undefined && s[b] !== undefined) {
    throw new InputError(`a statement cannot have both ${a} and ${b}`, errOptsLoose(where));
  }
}

function stringList(v: unknown, where: { file?: string | undefined; path: string }): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      if (typeof item !== 'string') {
        throw new InputError(`expected a string, got ${typeName(item)}`, errOptsLoose({ ...where, path: `${where.path}[${i}]` }));
      }
      return item;
    });
  }
  throw new InputError(`expected a string or an array of strings, got ${typeName(v)}`, errOptsLoose(where));
}

/**
 * The values of Action, Resource, a principal type and their Not… forms. The policy grammar gives
 * each of them one or more values (IAM JSON policy grammar,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html), and AWS
 * refuses a document where one lists none (MalformedPolicyDocument; KMS PutKeyPolicy
 * MalformedPolicyDocumentException): such a statement is refused here too, never read as one that
 * matches nothing — nor, as NotAction, NotResource or NotPrincipal, as one that matches everything.
 */
function elementList(v: unknown, where: { file?: string | undefined; path: string }, element: string): string[] {
  const list = stringList(v, where);
  if (list.length === 0) {
    throw new InputError(
      `${element} is an empty list`,
      errOptsLoose(
        where,
        `AWS refuses a policy whose ${element} lists nothing (every policy element takes one or more values): give at least one, or remove the ${element.includes('.') ? 'principal type' : 'statement'}.`,
      ),
    );
  }
  return list;
}

function parsePrincipal(v: unknown, where: { file?: string | undefined; path: string }, element: 'Principal' | 'NotPrincipal'): PrincipalElement {
  const p: PrincipalElement = { wildcard: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (v === '*') {
    p.wildcard = true;
    return p;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError(
      `Principal must be "*" or an object such as {"AWS": "arn:…"}, got ${typeName(v) === 'string' ? JSON.stringify(v) : typeName(v)}`,
      errOptsLoose(where),
    );
  }
  const entries = Object.entries(v as Record<string, unknown>);
  // `{}` names no principal: AWS refuses it (elementList), it does not mean "nobody".
  if (entries.length === 0) {
    throw new InputError(
      `${element} names no principal`,
      errOptsLoose(where, `AWS refuses a ${element} without a principal type: give one, such as {"AWS": "arn:…"}, or "*".`),
    );
  }
  for (const [k, val] of entries) {
    const list = elementList(val, { ...where, path: `${where.path}.${k}` }, `${element}.${k}`);
    switch (k) {
      case 'AWS':
        for (const item of list) {
          if (item === '*') p.wildcard = true;
          else p.aws.push(item);
        }
        break;
      case 'Service':
        p.service.push(...list);
        break;
      case 'Federated':
        p.federated.push(...list);
        break;
      case 'CanonicalUser':
        p.canonicalUser.push(...list);
        break;
      default:
        throw new InputError(
          `unknown principal type "${k}"`,
          errOptsLoose({ ...where, path: `${where.path}.${k}` }, 'Principal types are AWS, Service, Federated and CanonicalUser.'),
        );
    }
  }
  return p;
}

function parseCondition(v: unknown, where: { file?: string | undefined; path: string }): ConditionClause[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError(`Condition must be an object, got ${typeName(v)}`, errOptsLoose(where));
  }
  const clauses: ConditionClause[] = [];
  for (const [op, block] of Object.entries(v as Record<string, unknown>)) {
    if (parseOperator(op) === null) {
      const near = nearestOperator(op);
      throw new InputError(`unknown operator "${op}"`, errOptsLoose(where, near ? `Did you mean "${near}"?` : undefined));
    }
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      throw new InputError(
        `the value of ${op} must be an object of condition keys, got ${typeName(block)}`,
        errOptsLoose({ ...where, path: `${where.path}.${op}` }),
      );
    }
    const entries = Object.entries(block as Record<string, unknown>);
    // `{"StringEquals": {}}` tests nothing; AWS refuses it rather than read it as "no condition".
    if (entries.length === 0) {
      throw new InputError(
        `the ${op} block names no condition key`,
        errOptsLoose({ ...where, path: `${where.path}.${op}` }, 'Give at least one condition key, or remove the operator.'),
      );
    }
    for (const [key, raw] of entries) {
      const items = Array.isArray(raw) ? raw : [raw];
      const values = items.map((item, i) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        throw new InputError(
          `condition values must be strings, numbers or booleans, got ${typeName(item)}`,
          errOptsLoose({ ...where, path: `${where.path}.${op}.${key}${Array.isArray(raw) ? `[${i}]` : ''}` }),
        );
      });
      checkValues(op, key, values, Array.isArray(raw), where);
      clauses.push({ operator: op, key, values });
    }
  }
  return clauses;
}

/**
 * IP-address, date, numeric and Bool values are read strictly, as AWS does: a malformed address,
 * CIDR block, date, number or Boolean is refused with its JSON path rather than never matching
 * (which would silently skip a Deny).
 */
function checkValues(op: string, key: string, values: string[], array: boolean, where: { file?: string | undefined; path: string }): void {
  // The operator was checked before its values (an unknown one is refused there).
  const base = parseOperator(op)?.base;
  if (base === undefined) return;
  const ip = base === 'IpAddress' || base === 'NotIpAddress';
  const date = base.startsWith('Date');
  const numeric = base.startsWith('Numeric');
  const bool = base === 'Bool';
  if (!ip && !date && !numeric && !bool) return;
  values.forEach((v, i) => {
    if (v.includes('${')) return;
    const path = `${where.path}.${op}.${key}${array ? `[${i}]` : ''}`;
    if (ip && parseCidr(v) === null) {
      throw new InputError(`"${v}" is not an IPv4 or IPv6 address or CIDR block`, {
        ...errOptsLoose({ ...where, path }, 'Write an address (203.0.113.7, 2001:db8::7) or a block (203.0.113.0/24, 2001:db8::/32).'),
        quotes: [v],
      });
    }
    if (date && parseDate(v) === null) {
      throw new InputError(`"${v}" is not an ISO 8601 date or epoch seconds`, {
        ...errOptsLoose({ ...where, path }, 'Write a date such as 2026-01-31, 2026-01-31T09:30:00Z (no offset means UTC) or epoch seconds.'),
        quotes: [v],
      });
    }
    if (numeric && parseNumber(v) === null) {
      throw new InputError(`"${v}" is not a number`, {
        ...errOptsLoose({ ...where, path }, 'Write an integer or a decimal, such as 7, -2 or 0.5.'),
        quotes: [v],
      });
    }
    if (bool && !isBoolValue(v)) {
      throw new InputError(`"${v}" is not true or false`, {
        ...errOptsLoose({ ...where, path }, 'A Bool condition compares with "true" or "false".'),
        quotes: [v],
      });
    }
  });
}
