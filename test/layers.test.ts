// The one-way layers (README "Layout"): every import in src/ (static, re-export, dynamic
// `import(…)` and `import('…').Type`) is read with the TypeScript parser and checked against the
// rules below. A new top-level directory under src/ fails until it is given a rule.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

type Layer = 'model' | 'evaluate' | 'analyses' | 'sources' | 'report' | 'cli' | 'index';

/** What each layer may import (of ours). `typesOnly`: layers it may import types from, and nothing else. */
const RULES: Record<Layer, { may: readonly Layer[]; typesOnly?: readonly Layer[] }> = {
  // Plain data and the pure readers of its notations (ARNs, condition operators, policy documents).
  model: { may: ['model'] },
  // The pure core: no I/O, no sources, no report.
  evaluate: { may: ['model', 'evaluate'] },
  // who-can, fix, lambda, diff, grants audit: built on the core.
  analyses: { may: ['model', 'evaluate', 'analyses'] },
  // The only code that reads files or AWS; it produces model data.
  sources: { may: ['model', 'sources'] },
  // Renderers: facts in, text out.
  report: { may: ['model', 'analyses', 'report'], typesOnly: ['evaluate'] },
  // Commander wiring: the one place that puts everything together.
  cli: { may: ['model', 'evaluate', 'analyses', 'sources', 'report', 'cli', 'index'] },
  // The library API: everything but the command line.
  index: { may: ['model', 'evaluate', 'analyses', 'sources', 'report'] },
};

interface ImportRef {
  specifier: string;
  line: number;
  /** `import type`, `export type`, every named binding `type`, or an `import('…')` type query. */
  typeOnly: boolean;
}

/** Every module specifier a source text names. */
function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const add = (lit: ts.Node, typeOnly: boolean): void => {
    if (ts.isStringLiteralLike(lit)) out.push({ specifier: lit.text, line: sf.getLineAndCharacterOfPosition(lit.getStart()).line + 1, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly =
        c !== undefined && (c.isTypeOnly || (c.name === undefined && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const named = node.exportClause !== undefined && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier, node.isTypeOnly || (named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined) {
      if (!ts.isStringLiteralLike(node.arguments[0])) {
        out.push({ specifier: '<computed>', line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, typeOnly: false });
      } else add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The layer of a file under src/ (path relative to src/, with `/`), or undefined for an unknown place. */
function layerOf(rel: string): Layer | undefined {
  if (rel === 'index.ts') return 'index';
  const top = rel.split('/')[0]!;
  return top in RULES && top !== 'index' && rel.includes('/') ? (top as Layer) : undefined;
}

/** The violations in one file: `from → to` with the line, or an import that names no file. */
function violations(rel: string, text: string): string[] {
  const from = layerOf(rel);
  if (from === undefined) return [`${rel}: not in a known layer (give src/${rel.split('/')[0]} a rule in test/layers.test.ts)`];
  const rule = RULES[from];
  const out: string[] = [];
  for (const imp of importsOf(rel, text)) {
    if (imp.specifier === '<computed>') {
      out.push(`${rel}:${imp.line}: import() of a computed specifier (the layers cannot be checked)`);
      continue;
    }
    if (!imp.specifier.startsWith('.')) continue;
    const target = join(dirname(rel), imp.specifier).split(sep).join('/').replace(/\.js$/, '.ts');
    if (target.startsWith('..')) {
      out.push(`${rel}:${imp.line}: imports ${imp.specifier}, outside src/`);
      continue;
    }
    const to = layerOf(target);
    if (to === undefined) {
      out.push(`${rel}:${imp.line}: imports ${imp.specifier}, which is in no known layer`);
      continue;
    }
    if (rule.may.includes(to)) continue;
    if (imp.typeOnly && rule.typesOnly?.includes(to)) continue;
    const allowed = [...rule.may, ...(rule.typesOnly ?? []).map((l) => `${l} (types)`)].join(', ');
    out.push(`${rel}:${imp.line}: ${from} imports ${to} (${imp.specifier}${imp.typeOnly ? ', types' : ''}); ${from} may import ${allowed}`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [p] : [];
  });
}

describe('import rules', () => {
  const files = sourceFiles(SRC).map((p) => ({ rel: relative(SRC, p).split(sep).join('/'), text: readFileSync(p, 'utf8') }));

  it('every import in src/ goes one way: model ← evaluate ← analyses ← report ← cli, sources → model', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => violations(f.rel, f.text))).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = files.flatMap((f) =>
      importsOf(f.rel, f.text)
        .filter((i) => i.specifier.startsWith('.') && !existsSync(join(SRC, dirname(f.rel), i.specifier.replace(/\.js$/, '.ts'))))
        .map((i) => `${f.rel}:${i.line}: ${i.specifier}`),
    );
    expect(missing).toEqual([]);
  });

  it('reads static, re-export, dynamic and type-query imports, and tells types from values', () => {
    const text = [
      "import { a } from '../sources/x.js';",
      "import type { B } from '../evaluate/b.js';",
      "import { type C, type D } from '../evaluate/c.js';",
      "import { type E, f } from '../evaluate/e.js';",
      "export { g } from '../cli/g.js';",
      "export type { H } from '../analyses/h.js';",
      "const m = await import('../sources/live/index.js');",
      "let c: import('../evaluate/t.js').T;",
      "import chalk from 'chalk';",
    ].join('\n');
    expect(importsOf('report/x.ts', text)).toEqual([
      { specifier: '../sources/x.js', line: 1, typeOnly: false },
      { specifier: '../evaluate/b.js', line: 2, typeOnly: true },
      { specifier: '../evaluate/c.js', line: 3, typeOnly: true },
      { specifier: '../evaluate/e.js', line: 4, typeOnly: false },
      { specifier: '../cli/g.js', line: 5, typeOnly: false },
      { specifier: '../analyses/h.js', line: 6, typeOnly: true },
      { specifier: '../sources/live/index.js', line: 7, typeOnly: false },
      { specifier: '../evaluate/t.js', line: 8, typeOnly: true },
      { specifier: 'chalk', line: 9, typeOnly: false },
    ]);
    // As report/x.ts: sources (lines 1, 7), evaluate values (line 4) and cli (line 5) are refused;
    // evaluate types (2, 3, 8) and analyses (6) are allowed.
    expect(violations('report/x.ts', text).map((v) => Number(/^report\/x\.ts:(\d+):/.exec(v)?.[1]))).toEqual([1, 4, 5, 7]);
  });

  it('refuses each upward or sideways import', () => {
    const bad: Array<[string, string]> = [
      ['model/a.ts', "import { x } from '../evaluate/x.js';"],
      ['evaluate/a.ts', "import { x } from '../analyses/x.js';"],
      ['evaluate/a.ts', "import type { X } from '../sources/x.js';"],
      ['analyses/a.ts', "import { x } from '../sources/x.js';"],
      ['analyses/a.ts', "import { x } from '../report/x.js';"],
      ['sources/a.ts', "import type { X } from '../analyses/x.js';"],
      ['sources/live/a.ts', "const m = await import('../../evaluate/x.js');"],
      ['report/a.ts', "import { x } from '../sources/x.js';"],
      ['report/a.ts', "import { x } from '../cli/x.js';"],
      ['index.ts', "export { main } from './cli/main.js';"],
      ['tools/a.ts', ''],
    ];
    for (const [file, text] of bad) expect(violations(file, text), `${file}: ${text}`).toHaveLength(1);
    const good: Array<[string, string]> = [
      ['model/a.ts', "import { x } from './y.js';"],
      ['evaluate/a.ts', "import { x } from '../model/x.js';"],
      ['analyses/a.ts', "import { x } from '../evaluate/x.js';"],
      ['sources/live/a.ts', "import { x } from '../../model/x.js'; import { y } from '../json-path.js';"],
      ['report/a.ts', "import type { X } from '../evaluate/x.js'; import { y } from '../analyses/y.js';"],
      ['cli/a.ts', "import { x } from '../sources/x.js'; import { y } from '../report/y.js';"],
      ['index.ts', "export { x } from './report/x.js';"],
    ];
    for (const [file, text] of good) expect(violations(file, text), `${file}: ${text}`).toEqual([]);
  });
});
