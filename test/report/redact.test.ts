// The Redactor on its own: placeholder shapes, one placeholder per value, wildcard markers,
// prefix-preserving IPs, and redacting twice. (--redact through the CLI: test/cli/redact.test.ts.)
import { describe, expect, it, vi } from 'vitest';
import { parseArn, parsePrincipal } from '../../src/model/arn.js';
import { wildcardSteps } from '../../src/model/wildcard.js';
import fc from 'fast-check';
import { OUTSIDE_PATTERNS, outside, plain, Redactor } from '../../src/report/redact.js';

describe('Redactor', () => {
  it('shapes placeholders so that ARNs still parse', () => {
    const r = new Redactor();
    const out = r.text(
      'arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function on arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(out).toBe('arn:aws:sts::000000000001:assumed-role/role-1/session-1 on arn:aws:kms:us-east-1:000000000001:key/00000000-0000-0000-0000-000000000001');
    const p = parsePrincipal(out.split(' ')[0]!);
    expect(p?.kind).toBe('assumed-role');
    expect(parseArn(out.split(' ')[2]!)?.account).toBe('000000000001');
  });

  it('keeps the role path kms-why writes for the user to fill in (ROLE_PATH), and replaces the role name', () => {
    const r = new Redactor();
    const out = r.text('arn:aws:sts::111122223333:assumed-role/other/s1: add arn:aws:iam::111122223333:role/ROLE_PATH/other');
    expect(out).toBe('arn:aws:sts::000000000001:assumed-role/role-1/session-1: add arn:aws:iam::000000000001:role/ROLE_PATH/role-1');
  });

  it('puts back the ARN a redacted principal ARN stands for (original), and shows a --principal pattern redacted', () => {
    const r = new Redactor();
    r.learn({ Arn: 'arn:aws:iam::111122223333:role/team/app', Session: 'arn:aws:sts::111122223333:assumed-role/app/s1' });
    const role = r.text('arn:aws:iam::111122223333:role/team/app');
    const session = r.text('arn:aws:sts::111122223333:assumed-role/app/s1');
    expect(role).toBe('arn:aws:iam::000000000001:role/path-1/role-1');
    expect(r.original(role)).toBe('arn:aws:iam::111122223333:role/team/app');
    expect(r.original(session)).toBe('arn:aws:sts::111122223333:assumed-role/app/s1');
    expect(r.original('arn:aws:iam::000000000001:root')).toBe('arn:aws:iam::111122223333:root');
    expect(r.original('lambda.amazonaws.com')).toBe('lambda.amazonaws.com');
    // The pattern names what the ARNs name with their placeholders; other text gets one of its own.
    expect(r.principalPattern('arn:aws:iam::111122223333:role/team/*')).toBe('arn:aws:iam::000000000001:role/path-1/*');
    expect(r.principalPattern('role/ap')).toBe('role/pattern-1');
    expect(r.principalPattern('*app?')).toBe('*role-1?');
  });

  it('replaces the whole name of an ARN value, a control character in it and all', () => {
    // Free text ends an ARN at a newline, so the rest of such a name once survived redaction.
    const r = new Redactor();
    const doc = r.json({
      Statement: [{ Principal: { AWS: ['arn:aws:iam::111122223333:role/a\nsecret-name', 'arn:aws:iam::111122223333:role/b\tsecret-two'] } }],
    });
    const text = JSON.stringify(doc);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('111122223333');
  });

  it('gives a session named after its function the function placeholder, everywhere', () => {
    const r = new Redactor();
    r.learn({ FunctionName: 'my-function', Role: 'arn:aws:iam::111122223333:role/app-exec-role' });
    expect(r.text('arn:aws:sts::111122223333:assumed-role/app-exec-role/my-function')).toBe('arn:aws:sts::000000000001:assumed-role/role-1/function-1');
    expect(r.value('my-function')).toBe('function-1');
    expect(r.text('"Sid": "AllowLambdaEnvDecrypt-my-function"')).toBe('"Sid": "AllowLambdaEnvDecrypt-function-1"');
  });

  it('replaces a learned name in a path and in an ARN written in part as the whole ARN does, the longest name first', () => {
    const r = new Redactor();
    r.learn({
      principals: [
        { Arn: 'arn:aws:iam::111122223333:role/team/app-team' },
        { Arn: 'arn:aws:iam::111122223333:role/app' },
        { Arn: 'arn:aws:iam::111122223333:user/ops/jdoe' },
        { Arn: 'arn:aws:iam::111122223333:role/latest' },
        { Arn: 'arn:aws:iam::111122223333:role/ebs' },
        { Arn: 'arn:aws:iam::111122223333:role/a,b' },
      ],
      sessions: ['arn:aws:sts::111122223333:assumed-role/app/s1'],
    });
    const whole = r.text('arn:aws:iam::111122223333:role/team/app-team arn:aws:iam::111122223333:role/app arn:aws:iam::111122223333:user/ops/jdoe');
    expect(whole).toBe('arn:aws:iam::000000000001:role/path-1/role-1 arn:aws:iam::000000000001:role/role-2 arn:aws:iam::000000000001:user/path-2/user-1');
    expect(r.text('role/app, role/team/app-team, user/ops/jdoe, user/jdoe and assumed-role/app/s1; the path /team/')).toBe(
      'role/role-2, role/path-1/role-1, user/path-2/user-1, user/user-1 and assumed-role/role-2/session-1; the path /path-1/',
    );
    // A comma goes on an IAM name: role/a,b is one role, in an ARN and in part.
    expect(r.text('arn:aws:iam::111122223333:role/a,b, role/a,b.')).toBe('arn:aws:iam::000000000001:role/role-3, role/role-3.');
    // The fill-in names stay; so do a condition key's tag key, the path of a URL and an AWS managed alias.
    expect(r.text('role/ROLE_PATH/app and role/TEMPORARY_ROLE')).toBe('role/ROLE_PATH/role-2 and role/TEMPORARY_ROLE');
    expect(r.text('aws:PrincipalTag/team=app kms:EncryptionContext:team=app')).toBe('aws:PrincipalTag/team=role-2 kms:EncryptionContext:team=role-2');
    expect(r.text('see https://docs.aws.amazon.com/kms/latest/x.html, not /latest/')).toBe('see https://docs.aws.amazon.com/kms/latest/x.html, not /role-4/');
    expect(r.text('alias/aws/ebs and alias/ebs')).toBe('alias/aws/ebs and alias/role-5');
    // Not a part of another word.
    expect(r.text('application app_x')).toBe('application app_x');
  });

  it('learns the names of an ARN written in part in the inputs, and of an access-denied message', () => {
    const r = new Redactor();
    r.learn({
      reason:
        'User: arn:aws:sts::111122223333:assumed-role/admin-x/me is not authorized to perform: iam:GetRole on resource: role payroll-svc. Tried role/team/payroll-app and assumed-role/payroll-app/nightly-run, not role/app-*',
    });
    const out = r.text('role payroll-svc; role/team/payroll-app; session nightly-run; app-');
    expect(out).toBe('role role-1; role/path-1/role-2; session session-1; app-');
  });

  it('keeps what a wildcard pattern matched', () => {
    const r = new Redactor();
    const doc = {
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:*',
          Resource: '*',
          Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/Blocked*' } },
        },
      ],
      principals: ['arn:aws:iam::111122223333:role/BlockedRole', 'arn:aws:iam::111122223333:role/Other'],
    };
    r.learn(doc);
    const out = r.json(doc);
    const pattern = out.Statement[0]!.Condition.ArnLike['aws:PrincipalArn'].split('/')[1]!;
    const names = out.principals.map((p) => p.split('/')[1]!);
    const re = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
    expect(names.map((n) => re.test(n))).toEqual([true, false]);
    expect(JSON.stringify(out)).not.toMatch(/Blocked|Other|111122223333/);
  });

  it('matches a pattern built to backtrack against a long name without retrying (it once ran for minutes)', () => {
    // `role/a*a*…a*c` on a name of 60 `a`s: a backtracking regular expression tries every way to
    // place the 30 stars before it fails. The markers come from the linear matcher (model/wildcard.ts).
    const r = new Redactor();
    const hostile = `arn:aws:iam::111122223333:role/${'a*'.repeat(30)}c`;
    const doc = {
      Condition: { ArnLike: { 'aws:PrincipalArn': [hostile, 'arn:aws:iam::111122223333:role/a*${aws:username}?'] } },
      principals: [
        `arn:aws:iam::111122223333:role/${'a'.repeat(60)}`,
        `arn:aws:iam::111122223333:role/${'a'.repeat(59)}c`,
        'arn:aws:iam::111122223333:role/ab',
      ],
    };
    const before = wildcardSteps();
    r.learn(doc);
    const out = r.json(doc);
    // Bounded by name length × pattern length per name and pattern, not exponential.
    expect(wildcardSteps() - before).toBeLessThan(3 * 2 * 100 * 70);
    const [long, withC, short] = out.principals.map((p) => p.split('/')[1]!);
    // The first pattern needs a final `c`; the second (`a*…?`, a variable as a star) any name of two or more characters starting with `a`.
    expect(long).toMatch(/-x2x$/);
    expect(withC).toMatch(/-x1x-x2x$/);
    expect(short).toMatch(/-x2x$/);
    expect(JSON.stringify(out)).not.toMatch(/aaaa|111122223333/);
  });

  it('gathers the learned names once, not for every string it redacts (a 5,000-role snapshot took 20 s)', () => {
    const r = new Redactor();
    const roles = Array.from({ length: 300 }, (_, i) => ({
      Arn: `arn:aws:iam::111122223333:role/team-role-${i}`,
      Tags: [{ Key: 'owner', Value: `person-${i}` }],
    }));
    const doc = { principals: roles, notes: roles.map((_, i) => `role team-role-${i} is owned by person-${i}`) };
    r.learn(doc);
    const eligible = vi.spyOn(Redactor.prototype as any, 'eligible');
    const out = r.json(doc);
    // Once per learned name (about 600 of them), where it was once that for each of the 900 strings.
    expect(eligible.mock.calls.length).toBeLessThan(3 * 600);
    eligible.mockRestore();
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/team-role|person-|111122223333/);
    // The same placeholder in a note as in the ARN it names.
    expect(out.notes[7]).toBe(`role ${out.principals[7]!.Arn.split('/')[1]} is owned by ${out.principals[7]!.Tags[0]!.Value}`);
  });

  it('redacts text that holds the private-use characters it marks its own work with (they once hid an ARN from it)', () => {
    const r = new Redactor();
    const out = r.text('see \uE000arn:aws:iam::111122223333:role/secret\uE001 and \uE002 0 \uE003 111122223333 \uE000unclosed 444455556666');
    expect(out).not.toMatch(/111122223333|444455556666|secret/);
    expect(out).toContain('\uFFFDarn:aws:iam::000000000001:role/');
    expect(out).not.toMatch(/[\uE000-\uE003]/);
  });

  it('maps IPs so that CIDR blocks hold the same addresses', () => {
    const r = new Redactor();
    const block = r.value('203.0.113.0/24');
    const inside = r.value('203.0.113.77');
    const outside = r.value('203.0.114.77');
    expect(block.split('.').slice(0, 3)).toEqual(inside.split('.').slice(0, 3));
    expect(outside.split('.').slice(0, 3)).not.toEqual(inside.split('.').slice(0, 3));
    expect(inside).not.toBe('203.0.113.77');
  });

  it('replaces emails, VPC endpoints, organization ids, unique ids, grant ids and tag values', () => {
    const r = new Redactor();
    r.learn({ Tags: [{ Key: 'team', Value: 'payments' }] });
    const out = r.text(
      'ops@example.org vpce-0a1b2c3d4e5f67890 o-abcdefghij AROAEXAMPLEID1234567:sess 0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60 payments',
    );
    expect(out).toBe('email-1@example.com vpce-00000000000000001 o-0000000001 AROA00000000000000001:session-1 grant-1 value-1');
  });

  it("gives an organization's Id the organization placeholder, the one its aws:PrincipalOrgID condition value gets (not a policy Id's)", () => {
    const doc = {
      Policy: { Id: 'key-policy-1a', Statement: [{ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }] },
      Organization: { Id: 'o-a1b2c3d4e5', Accounts: ['111122223333'] },
    };
    const r = new Redactor();
    r.learn(doc);
    const out = r.json(doc) as typeof doc;
    expect(out.Organization.Id).toBe('o-0000000001');
    expect(out.Policy.Statement[0]!.Condition.StringEquals['aws:PrincipalOrgID']).toBe('o-0000000001');
    expect(out.Policy.Id).toMatch(/^policy-id-\d+$/);
    expect(r.text('organization o-a1b2c3d4e5')).toBe('organization o-0000000001');
  });

  it('keeps AWS-owned names and the report vocabulary', () => {
    const r = new Redactor();
    const t = 'arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole alias/aws/lambda lambda.us-east-1.amazonaws.com kms:Decrypt ALLOW';
    expect(r.text(t)).toBe(t);
  });

  it('changes nothing the second time, whether the document is marked redacted or not', () => {
    const doc = {
      kmsWhySnapshot: 1,
      keys: [{ KeyMetadata: { Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, Aliases: ['alias/app-env'] }],
    };
    const r = new Redactor();
    r.learn(doc);
    const once = r.json(doc);
    const again = new Redactor();
    again.learn(once);
    expect(again.json(once)).toEqual(once);
    const marked = { ...once, redacted: true };
    const third = new Redactor();
    third.learn(marked);
    expect(third.json(marked)).toEqual(marked);
  });

  it('redacts a document that says "redacted": true but holds real names (the mark is the input\'s word)', () => {
    const doc = {
      kmsWhySnapshot: 1,
      redacted: true,
      keys: [
        {
          KeyMetadata: { Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
          Aliases: ['alias/payroll-prod'],
          Policy: { Statement: [{ Sid: 'SecretSidPayroll', Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.7/32' } } }] },
        },
      ],
      principals: [{ Arn: 'arn:aws:iam::111122223333:role/app', IdentityPolicies: [{ PolicyName: 'payroll-secret-policy' }] }],
    };
    const r = new Redactor();
    r.learn(doc);
    const text = JSON.stringify(r.json(doc));
    for (const name of ['111122223333', '1234abcd', 'payroll', 'SecretSid', '198.51.100.7']) expect(text).not.toContain(name);
    // Flags name what the document now names.
    expect(text).toContain(r.value('alias/payroll-prod'));
  });

  it('keeps the pattern markers of a redacted document and numbers a new pattern after them', () => {
    const doc = {
      redacted: true,
      Statement: [
        { Resource: '*-x1x*', Principal: { AWS: 'arn:aws:iam::000000000001:role/role-1-x1x' } },
        { Resource: 'payroll-*', Principal: { AWS: 'arn:aws:iam::000000000001:role/payroll-a' } },
      ],
    };
    const r = new Redactor();
    r.learn(doc);
    const out = r.json(doc);
    expect(out.Statement[0]).toEqual(doc.Statement[0]);
    // payroll-* matches payroll-a and not role-1-x1x: the new marker is not the document's own.
    expect(out.Statement[1]!.Resource).toBe('*-x2x*');
    expect(out.Statement[1]!.Principal.AWS).toMatch(/role\/role-\d+-x2x$/);
  });

  describe('encryption-context values', () => {
    const statement = (op: string, key: string, value: unknown): { Condition: Record<string, Record<string, unknown>> } & Record<string, unknown> => ({
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { [op]: { [key]: value } },
    });
    const doc = {
      Policy: {
        Statement: [
          statement('StringEquals', 'kms:EncryptionContext:tenant', 'payroll-secret'),
          statement('StringLike', 'kms:EncryptionContext:order', 'ord-7*'),
          statement('StringEqualsIgnoreCase', 'kms:EncryptionContext:dept', 'Finance'),
          statement('StringEquals', 'kms:EncryptionContext:seq', 12345678901),
          statement('StringEquals', 'kms:EncryptionContext:aws:lambda:FunctionArn', 'arn:aws:lambda:us-east-1:111122223333:function:billing-fn'),
          statement('ForAllValues:StringLike', 'kms:EncryptionContextKeys', ['tenant', 'app-*']),
          statement('Null', 'kms:EncryptionContext:tenant', 'false'),
        ],
      },
      Grants: [{ Constraints: { EncryptionContextEquals: { tenant: 'payroll-secret' }, EncryptionContextSubset: { order: 'ord-7701' } } }],
      Records: [{ requestParameters: { encryptionContext: { dept: 'FINANCE', region: 'us-east-1' }, sourceEncryptionContext: { tenant: 'acme-hr' } } }],
    };

    it('gives a value one placeholder wherever it stands, and keeps the keys', () => {
      const r = new Redactor();
      r.learn(doc);
      const out = r.json(doc);
      const text = JSON.stringify(out);
      expect(text).not.toMatch(/payroll|ord-77|Finance|FINANCE|12345678901|billing|acme|111122223333/);
      const tenant = r.contextValue('payroll-secret');
      expect(tenant).toMatch(/^value-\d+$/);
      expect(out.Policy.Statement[0]!.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:tenant': tenant } });
      expect(out.Grants[0]!.Constraints.EncryptionContextEquals).toEqual({ tenant });
      // An unquoted number is the value as written, and a context value like any other.
      expect(out.Policy.Statement[3]!.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:seq': r.contextValue('12345678901') } });
      // ARNs are redacted as ARNs; context keys, the keys kms:EncryptionContextKeys compares, regions and Null's booleans stay.
      expect(out.Policy.Statement[4]!.Condition).toEqual({
        StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': 'arn:aws:lambda:us-east-1:000000000001:function:function-1' },
      });
      expect(out.Policy.Statement[5]!.Condition).toEqual(doc.Policy.Statement[5]!.Condition);
      expect(out.Policy.Statement[6]!.Condition).toEqual(doc.Policy.Statement[6]!.Condition);
      expect(out.Records[0]!.requestParameters.encryptionContext.region).toBe('us-east-1');
      // The safety net: a value learned from the inputs is replaced in free text too.
      expect(r.text('tenant=acme-hr')).toBe(`tenant=${r.contextValue('acme-hr')}`);
    });

    it('keeps what a StringLike pattern and a case-insensitive comparison matched', () => {
      const r = new Redactor();
      r.learn(doc);
      const out = r.json(doc);
      const pattern = out.Policy.Statement[1]!.Condition.StringLike!['kms:EncryptionContext:order'] as string;
      expect(pattern).toMatch(/^\*-x\d+x\*$/);
      const re = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
      expect(re.test(out.Grants[0]!.Constraints.EncryptionContextSubset.order)).toBe(true);
      expect(re.test(r.contextValue('ord-7999'))).toBe(true);
      expect(re.test(r.contextValue('ord-8000'))).toBe(false);
      // Finance and FINANCE: equal ignoring case, different with it, as the originals.
      const a = r.contextValue('Finance');
      const b = out.Records[0]!.requestParameters.encryptionContext.dept;
      expect(a).not.toBe(b);
      expect(a.toLowerCase()).toBe(b.toLowerCase());
      expect(r.contextValue('finance')).not.toBe(a);
      expect(r.contextValue('finance').toLowerCase()).toBe(a.toLowerCase());
      // Redacting again changes nothing.
      const again = new Redactor();
      again.learn(out);
      expect(again.json(out)).toEqual(out);
    });
  });

  describe('request-context values the user gave (--condition KEY=VALUE)', () => {
    const doc = {
      Policy: {
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payroll' } } },
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } } },
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringLike: { 'aws:SourceIdentity': 'ops-*' } } },
        ],
      },
    };

    it('hides every value, however short, as the inputs name the same value', () => {
      const r = new Redactor();
      r.learn(doc);
      const out = r.json(doc);
      // A tag value: the inputs' placeholder when they hold it, a new one when they do not (one letter, digits).
      expect(r.conditionValue('aws:PrincipalTag/team', 'payroll')).toBe(out.Policy.Statement[0]!.Condition.StringEquals!['aws:PrincipalTag/team']);
      for (const v of ['zeta', 'q', '7']) expect(r.conditionValue('aws:PrincipalTag/team', v)).toMatch(/^value-\d+$/);
      expect(r.conditionValue('aws:RequestTag/cost', '42')).toMatch(/^value-\d+$/);
      expect(r.conditionValue('kms:EncryptionContext:n', '7')).toBe(r.contextValue('7'));
      expect(r.conditionValue('aws:username', 'alice')).toMatch(/^user-\d+$/);
      // Another key's value is data too; a StringLike pattern of the inputs still matches what it matched.
      const id = r.conditionValue('aws:SourceIdentity', 'ops-jdoe');
      expect(id).toMatch(/^value-\d+-x\d+x$/);
      const pattern = out.Policy.Statement[2]!.Condition.StringLike!['aws:SourceIdentity'] as string;
      expect(new RegExp(`^${pattern.replace(/\*/g, '.*')}$`).test(id)).toBe(true);
      expect(r.conditionValue('aws:UserAgent', 'x')).toMatch(/^value-\d+$/);
      // Identifiers as identifiers; the learned value replaced in free text too (the safety net).
      expect(r.conditionValue('aws:SourceAccount', '111122223333')).toBe('000000000001');
      expect(r.text('aws:SourceIdentity=ops-jdoe')).toBe(`aws:SourceIdentity=${id}`);
    });

    it('keeps what a comparison reads as more than text, and what an input writes as it is', () => {
      const r = new Redactor();
      r.learn(doc);
      expect(r.conditionValue('aws:MultiFactorAuthAge', '300')).toBe('300');
      expect(r.conditionValue('aws:CurrentTime', '2026-11-20T03:12:44Z')).toBe('2026-11-20T03:12:44Z');
      expect(r.conditionValue('aws:MultiFactorAuthPresent', 'true')).toBe('true');
      expect(r.conditionValue('aws:RequestedRegion', 'eu-west-1')).toBe('eu-west-1');
      expect(r.conditionValue('aws:CalledViaFirst', 'athena.amazonaws.com')).toBe('athena.amazonaws.com');
      // The input's StringEquals aws:PrincipalType "AssumedRole" stays in the redacted policy: so does the request's.
      expect(r.conditionValue('aws:PrincipalType', 'AssumedRole')).toBe('AssumedRole');
      expect(r.conditionValue('kms:EncryptionContextKeys', 'tenant')).toBe('tenant');
    });
  });

  it('gives file names placeholders', () => {
    const r = new Redactor();
    expect(r.file('./111122223333-acme-prod-test-role.json')).toBe('file-1.json');
    expect(r.text('reading ./111122223333-acme-prod-test-role.json')).toBe('reading file-1.json');
  });
});

describe('outside (text passes after the ARN one)', () => {
  // Placeholders are U+E000 … U+E001, always whole (text() shows the input's own U+E000–U+E003 as
  // U+FFFD); the parts between them were once split out and matched on their own. outside()
  // matches the whole text in one scan and must find the same matches.
  const tokens = [
    '\uE000role-1\uE001',
    '\uE000000000000001\uE001',
    '111122223333',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'a'.repeat(64),
    'f',
    'mrk-1234abcd12ab34cd56ef1234567890ab',
    'alias/app-${aws:PrincipalTag/x',
    '}',
    'alias/aws/s3',
    'o-abcdefghij',
    'vpce-0123abcd',
    'a.b@example.com',
    '10.0.0.1/24',
    'AROAABCDEFGHIJKLMNOP:sess',
    '-',
    '.',
    ':',
    '/',
    ' ',
    '9',
    'x',
  ];
  const text = fc.array(fc.constantFrom(...tokens), { maxLength: 14 }).map((xs) => xs.join(''));
  it('replaces what replacing each part between placeholders replaced, for every pattern', () => {
    fc.assert(
      fc.property(text, fc.nat(OUTSIDE_PATTERNS.length - 1), (t, i) => {
        const re = OUTSIDE_PATTERNS[i]!;
        // The callbacks read only the groups their expression has (replace passes the offset next).
        const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
        const mark = (m: string, g1?: unknown, g2?: unknown): string => `[${m}|${groups >= 1 ? String(g1) : ''}|${groups >= 2 ? String(g2) : ''}]`;
        const split = plain(t, (x) => x.replace(re, mark));
        expect(outside(t, re, mark)).toBe(split);
        expect(re.lastIndex).toBe(0);
      }),
      { numRuns: 3000 },
    );
  });
});
