// The evaluator and the analyses record facts; src/report/ turns them into sentences (and error
// classes in model/errors.ts phrase their own messages). This reads every file in src/evaluate,
// and the analyses already converted (src/analyses/fix.ts, src/analyses/lambda.ts), with the TypeScript parser (so
// comments are never read), and fails on a string literal or a template's text that reads like a
// sentence: three lowercase words in a row.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** The files held to it, relative to src/: every file in src/evaluate, and these analyses. */
const FILES: readonly string[] = [
  ...readdirSync(join(SRC, 'evaluate'))
    .filter((n) => n.endsWith('.ts'))
    .map((n) => `evaluate/${n}`),
  'analyses/fix.ts',
  'analyses/lambda.ts',
];

/** Three lowercase words separated by single spaces (a word may end in punctuation, as prose does). */
const SENTENCE = /(?:^|[^A-Za-z0-9_:/.-])[a-z][a-z']*[,;]? [a-z][a-z']*[,;]? [a-z][a-z']*/;

/**
 * Literals that must stay, each with its reason. Nothing in src/evaluate reads like a sentence.
 * An entry is `file: exact literal text` (the file relative to src/).
 */
const ALLOWED: ReadonlySet<string> = new Set<string>([
  // The names of the policy layers AWS error messages use (PolicyLayer in model/error-clue.ts):
  // the values impliedDenial returns, not words for people.
  'analyses/fix.ts: service control policy',
  'analyses/fix.ts: resource control policy',
]);

/** The text of every string literal and template piece in a source file, with its line. */
function literalsOf(fileName: string, text: string): Array<{ text: string; line: number }> {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    // Module specifiers are paths, not words.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node))
      out.push({ text: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The literals of a source text that read like a sentence. */
function sentencesIn(fileName: string, text: string): string[] {
  return literalsOf(fileName, text)
    .filter((l) => SENTENCE.test(l.text) && !ALLOWED.has(`${fileName}: ${l.text}`))
    .map((l) => `${fileName}:${l.line}: ${JSON.stringify(l.text)}`);
}

describe('src/evaluate, src/analyses/fix.ts and src/analyses/lambda.ts hold no English', () => {
  it('the scan finds a sentence in a literal or a template, and none in a comment, a key or a path', () => {
    const src = [
      '// a comment that says many words in a row is fine',
      '/* so is a block comment with many words */',
      "import { x } from '../model/some thing here.js';",
      "const a = 'kms:encryptioncontext:';",
      "const b = { kind: 'add-context', key: 'aws:SourceIp' };",
      "const c = '--grantee ARN --grant-operations OPS';",
      "const d = 'the grant to create';",
      'const e = `${x} needs a key (--key)`;',
      'const f = `DisabledException: ${arn} is disabled.`;',
      'const g = "the key\'s state and type could not be read";',
    ].join('\n');
    expect(sentencesIn('t.ts', src).map((s) => s.split(':')[1])).toEqual(['7', '8', '10']);
  });

  it('every file in src/evaluate, src/analyses/fix.ts and src/analyses/lambda.ts', () => {
    expect(FILES).toContain('evaluate/evaluator.ts');
    expect(FILES).toContain('analyses/lambda.ts');
    const found: string[] = [];
    for (const f of FILES) found.push(...sentencesIn(f, readFileSync(join(SRC, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('every allowed literal is still there (a stale entry is removed)', () => {
    const all = new Set(FILES.flatMap((f) => literalsOf(f, readFileSync(join(SRC, f), 'utf8')).map((l) => `${f}: ${l.text}`)));
    expect([...ALLOWED].filter((a) => !all.has(a))).toEqual([]);
  });
});
