// Reports built the way the CLI builds them: the real loader and evaluator on the example fixtures.
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Evaluator } from '../../src/evaluate/evaluator.js';
import type { Decision } from '../../src/model/decision.js';
import type { Report } from '../../src/model/report.js';
import type { Request } from '../../src/model/request.js';
import { buildReport } from '../../src/report/build.js';
import { loadFrom } from '../../src/sources/load.js';

export const EXAMPLES = fileURLToPath(new URL('../../fixtures/examples/', import.meta.url));
export const AWS_CLI = fileURLToPath(new URL('../../fixtures/aws-cli/', import.meta.url));

export const ACCOUNT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
export const LAMBDA_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app-exec-role/my-function`;
export const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:my-function`;
export const LAMBDA_GRANT_ID = '0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60';
export const APP_ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-.,:/=@%+]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface ReportCase {
  files: string[];
  actions: string[];
  request: Omit<Request, 'action'>;
  /** The flags a user would type, for report.commandLine. */
  argv: string[];
}

export async function reportFor(c: ReportCase): Promise<{ report: Report; decisions: Decision[] }> {
  const snapshot = await loadFrom(c.files);
  const evaluator = new Evaluator(snapshot);
  const decisions = c.actions.map((action) => evaluator.evaluate({ ...c.request, action }));
  const base: Request = { ...c.request, action: c.actions[0]! };
  const report = buildReport(base, decisions, {
    ...(snapshot.inputs ? { inputs: snapshot.inputs } : {}),
    commandLine: ['kms-why', ...c.argv].map(shellQuote).join(' '),
  });
  return { report, decisions };
}

/** The Lambda environment-variable grant: Decrypt with the function's encryption context. */
export function lambdaCase(opts: { file?: string; functionArn?: string } = {}): ReportCase {
  const file = EXAMPLES + (opts.file ?? 'lambda-env-grant.json');
  const fn = opts.functionArn ?? FUNCTION_ARN;
  return {
    files: [file],
    actions: ['kms:Decrypt'],
    request: { principal: LAMBDA_SESSION, keyIdentifier: 'alias/app-env', encryptionContext: { 'aws:lambda:FunctionArn': fn } },
    argv: [
      'check',
      '--action',
      'kms:Decrypt',
      '--from',
      file,
      '--key',
      'alias/app-env',
      '--principal',
      LAMBDA_SESSION,
      '--context',
      `aws:lambda:FunctionArn=${fn}`,
    ],
  };
}

export function patternCase(file: string, actions: string[] = ['kms:Decrypt']): ReportCase {
  return {
    files: [EXAMPLES + file],
    actions,
    request: { principal: APP_ROLE, keyIdentifier: 'alias/app' },
    argv: ['check', '--action', actions.join(','), '--from', EXAMPLES + file, '--key', 'alias/app', '--principal', APP_ROLE],
  };
}

export const PATTERNS = [
  'pattern-1-key-policy-names-role.json',
  'pattern-2-iam-only-no-delegation.json',
  'pattern-3-delegation-with-iam.json',
  'pattern-4-delegation-without-iam.json',
];

export const MANY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:DescribeKey',
  'kms:ScheduleKeyDeletion',
  'kms:CreateGrant',
  'kms:RetireGrant',
];

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*m/;
// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/** Every example report the tests render: single actions, near misses, several actions, unknowns. */
export async function allExampleReports(): Promise<Array<{ name: string; report: Report }>> {
  const cases: Array<[string, ReportCase]> = [
    ['lambda allow', lambdaCase()],
    ['lambda wrong context', lambdaCase({ functionArn: `${FUNCTION_ARN}-other` })],
    ['lambda retired grant', lambdaCase({ file: 'lambda-env-grant-retired.json' })],
    ...PATTERNS.map((p): [string, ReportCase] => [p, patternCase(p)]),
    ...PATTERNS.map((p): [string, ReportCase] => [`${p} (several actions)`, patternCase(p, MANY_ACTIONS)]),
    [
      'unreadable grants and identity policies',
      {
        files: [AWS_CLI + 'describe-key.json', AWS_CLI + 'get-key-policy.json'],
        actions: ['kms:Decrypt'],
        request: { principal: APP_ROLE, keyIdentifier: KEY_ARN },
        argv: ['decrypt', '--from', AWS_CLI + 'describe-key.json', '--from', AWS_CLI + 'get-key-policy.json', '--key', KEY_ARN, '--principal', APP_ROLE],
      },
    ],
  ];
  const out: Array<{ name: string; report: Report }> = [];
  for (const [name, c] of cases) out.push({ name, report: (await reportFor(c)).report });
  return out;
}

/** The bodies of the fenced blocks of one language. */
export function blocks(md: string, lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^( *)(\`{3,})${lang}\\n([\\s\\S]*?)\\n\\1\\2$`, 'gm');
  for (const m of md.matchAll(re))
    out.push(
      m[3]!
        .split('\n')
        .map((l) => l.slice(m[1]!.length))
        .join('\n'),
    );
  return out;
}

/**
 * A strict check of the Mermaid subset the renderer writes: every line is a node, an edge, a
 * classDef or a class statement; labels hold no character that Mermaid could read as syntax.
 */
export function checkMermaid(src: string): { nodes: Map<string, string>; classes: Map<string, string[]> } {
  const lines = src.split('\n');
  expect(lines[0]).toBe('flowchart TD');
  const nodes = new Map<string, string>();
  const classes = new Map<string, string[]>();
  const label = '"((?:[^"<>\\[\\]{}()|`]|<br/>)*)"';
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^  ([a-z][a-z0-9]*)\\[${label}\\]$`).exec(line))) nodes.set(m[1]!, m[2]!);
    else if ((m = new RegExp(`^  ([a-z][a-z0-9]*)\\(\\[${label}\\]\\)$`).exec(line))) nodes.set(m[1]!, m[2]!);
    else if ((m = new RegExp(`^  ([a-z][a-z0-9]*) (-->|==>)\\|${label}\\| ([a-z][a-z0-9]*)$`).exec(line))) {
      expect(nodes.has(m[1]!), line).toBe(true);
      expect(nodes.has(m[4]!), line).toBe(true);
    } else if (/^ {2}classDef [a-z]+ [a-z-]+:[#a-z0-9]+(,[a-z-]+:[#a-z0-9]+)*;$/.test(line)) continue;
    else if ((m = /^ {2}class ([a-z0-9,]+) ([a-z]+);$/.exec(line))) {
      for (const id of m[1]!.split(',')) {
        expect(nodes.has(id), line).toBe(true);
        classes.set(id, [...(classes.get(id) ?? []), m[2]!]);
      }
    } else throw new Error(`unexpected mermaid line: ${line}`);
  }
  return { nodes, classes };
}
