// `npm run build` (after tsc): the command line bundled for bin/kms-why.cjs, as CommonJS chunks that
// bin/bundle.cjs compiles with a V8 code cache made after the run (it says why CommonJS). A cold
// start then reads a few files of ours instead of some 45 modules (ESM resolution was a fifth of
// it) and compiles none of the functions it calls. Commander and chalk are bundled; other packages
// stay external. dist/index.js (the library API) and tsc's per-module files are unchanged.
//
// The chunks:
// - dist/bundle/kms-why-core-*.cjs: what main.js imports statically, i.e. what every run loads
//   (the evaluator, the report builder, the snapshot readers, commander).
// - dist/bundle/aws-*.cjs: the readers that import the AWS SDK statically, loaded only by the live
//   path's dynamic imports, as before; the only chunk that may `import()` a package (Node's own
//   loader reads it: see noAwsSdkInCore).
// - one small chunk per dynamic import of ours (the other commands, --fix, each renderer, chalk,
//   --redact …) and the chunks they share, loaded when a run needs them. Reading, decoding and
//   compiling a file costs time in proportion to its size, even from a code cache, so a check
//   with --output json does not pay for who-can's 120 kB, and one more small file costs less than
//   that.
import { isBuiltin } from 'node:module';
import { isAbsolute } from 'node:path';

// Reached only through `import('../sources/live/index.js')` or `…/cloudtrail.js`, and the only
// modules that import the AWS SDK statically. proxy.js stays a chunk of its own: its agents are
// loaded only when a proxy is set. A module of sources/live/ left off this list lands in the core
// chunk and takes aws.js, hence the whole SDK, along (org-id.js once did: +300 ms on every offline
// run); the `noAwsSdkInCore` check below makes that a build error.
const AWS = /[\\/]sources[\\/]live[\\/](index|key|principal|aws|org-id|cloudtrail|retry|limiter|failures|proxy)\.js$/;

/**
 * Every built-in module our bundled code (and commander's, chalk's) imports is read through
 * process.getBuiltinModule (Node 22.3+), never through `import … from 'node:…'`: an ESM import of a
 * built-in builds its ESM facade, which reads every export, getters included, and so loads what the
 * module itself loads lazily. `node:fs` then loads the whole streams stack (its ReadStream getter),
 * `node:process` creates stdin, stdout and stderr, `node:fs/promises` its own module; together
 * ≈ 10–25 ms of a cold start that `node -e 0` takes ≈ 70 ms for, before kms-why does anything.
 *
 * - EAGER: the modules Node has already loaded before any user code (`process.moduleLoadList` of
 *   `node -e 0`): read at once; their named exports are the module's own data properties (an
 *   accessor, such as fs.promises or fs.ReadStream, is not one: importing it is a build error,
 *   "missing export", never a silent gap).
 * - Any other built-in (node:crypto ≈ 5–15 ms, node:child_process ≈ 8–20 ms on a busy machine,
 *   node:net, node:fs/promises, node:os, node:tty …) is loaded on first use: each named export is a
 *   function that loads the module on its first call (constructible when the export is a class),
 *   and the default export a proxy that loads it on its first property read. A bundle hoists every
 *   static import to its top, so without this every run would load them: commander imports
 *   child_process for external subcommands (which kms-why has none of), crypto serves only --redact,
 *   SARIF fingerprints and the names of temporary files, net only IpAddress conditions.
 */
const EAGER_BUILTINS = new Set(['node:buffer', 'node:events', 'node:fs', 'node:path', 'node:process', 'node:timers', 'node:url', 'node:util']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set([
  'default',
  'arguments',
  'eval',
  'await',
  'yield',
  'let',
  'static',
  'enum',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
]);

/**
 * Own properties of a built-in as the Node running the build has them, as [name, value]: data
 * properties only, or (`withAccessors`) getters too, read here (which may load more of Node in the
 * build, never in a run).
 */
function properties(name, withAccessors) {
  const mod = process.getBuiltinModule(name);
  return Object.entries(Object.getOwnPropertyDescriptors(mod))
    .filter(([k, d]) => (withAccessors || 'value' in d) && IDENTIFIER.test(k) && !RESERVED.has(k))
    .map(([k]) => [k, mod[k]]);
}

/** @type {import('rolldown').Plugin} */
const builtins = {
  name: 'kms-why-builtins',
  resolveId(id, _importer, { kind }) {
    if (!isBuiltin(id)) return null;
    const name = id.startsWith('node:') ? id : `node:${id}`;
    // `await import('node:…')` stays an import of the module itself (loaded when reached, so its
    // facade costs only that run; a namespace of wrappers could not stand in for it everywhere).
    // Only the aws chunk may have one (noAwsSdkInCore).
    return kind === 'dynamic-import' ? { id: name, external: true } : `\0builtin:${name}`;
  },
  load(id) {
    if (!id.startsWith('\0builtin:')) return null;
    const name = id.slice('\0builtin:'.length);
    // Every export is a declaration or a call marked pure, so the bundle keeps only those imported.
    const lines = [];
    if (EAGER_BUILTINS.has(name)) {
      lines.push(`const m = process.getBuiltinModule(${JSON.stringify(name)});`, 'const pick = (k) => m[k];', 'export default m;');
      for (const [k] of properties(name, false)) lines.push(`export const ${k} = /* @__PURE__ */ pick(${JSON.stringify(k)});`);
    } else {
      lines.push(`let m; const load = () => (m ??= process.getBuiltinModule(${JSON.stringify(name)}));`);
      lines.push('const lazy = () => new Proxy({}, { get: (_, k) => load()[k], has: (_, k) => k in load() });');
      lines.push('export default /* @__PURE__ */ lazy();');
      for (const [k, v] of properties(name, true)) {
        if (typeof v !== 'function') continue;
        lines.push(`export function ${k}(...args) { const f = load().${k}; return new.target === undefined ? f.apply(m, args) : Reflect.construct(f, args); }`);
      }
    }
    // Nothing runs on import but the read of the module: unused exports are left out.
    return { code: lines.join('\n'), moduleSideEffects: false };
  },
};

/**
 * The build fails if a chunk that offline runs load imports a package of the AWS SDK (or the aws
 * chunk) statically: they must never pay for loading it; or if a chunk other than the aws chunk
 * imports a package or built-in dynamically (bin/bundle.cjs could not compile it).
 */
/** @type {import('rolldown').Plugin} */
const noAwsSdkInCore = {
  name: 'kms-why-no-aws-sdk-in-core',
  generateBundle(_options, bundle) {
    const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
    const aws = new Set(chunks.filter((c) => c.name === 'aws').map((c) => c.fileName));
    for (const c of chunks) {
      if (c.name === 'aws') continue;
      // bin/bundle.cjs compiles every other chunk itself, where `import()` of a package or built-in
      // would need an experimental vm API: those stay in the aws chunk, which Node's loader reads.
      for (const id of c.moduleIds) {
        const external = (this.getModuleInfo(id)?.dynamicallyImportedIds ?? []).filter((d) => !isAbsolute(d) && !d.startsWith('\0'));
        if (external.length > 0) this.error(`${c.fileName}: ${id} imports ${external.join(', ')} dynamically; only the aws chunk may (bin/bundle.cjs)`);
      }
      const bad = c.imports.filter((i) => /^@aws-sdk\/|^@smithy\//.test(i) || aws.has(i));
      if (bad.length > 0)
        this.error(`${c.fileName} imports ${bad.join(', ')} statically: a module of sources/live/ is missing from AWS in rolldown.config.mjs`);
    }
  },
};

/** The modules main.js imports statically, directly or not (filled at the end of the build phase). */
const STATIC = new Set();

/** @type {import('rolldown').Plugin} */
const staticGraph = {
  name: 'kms-why-static-graph',
  buildEnd() {
    STATIC.clear();
    const todo = [...this.getModuleIds()].filter((id) => this.getModuleInfo(id)?.isEntry);
    while (todo.length > 0) {
      const id = todo.pop();
      if (STATIC.has(id)) continue;
      STATIC.add(id);
      for (const dep of this.getModuleInfo(id)?.importedIds ?? []) todo.push(dep);
    }
  },
};

export default {
  plugins: [builtins, staticGraph, noAwsSdkInCore],
  input: { 'kms-why': 'dist/cli/main.js' },
  platform: 'node',
  // Our own dynamic imports of modules that the core also imports statically: expected, as above.
  checks: { ineffectiveDynamicImport: false },
  // (`#…` are a package's own imports, chalk's among them: resolved inside it, bundled with it.)
  external: (id) => !/^[.#/\0]/.test(id) && !/^(commander|chalk)(\/|$)/.test(id) && !isBuiltin(id),
  output: {
    dir: 'dist/bundle',
    cleanDir: true,
    // CommonJS, for bin/bundle.cjs to compile each chunk with a code cache made after the run (the
    // ESM loader has no way to). Static imports of packages become require() (the AWS SDK's clients
    // resolve to their CommonJS build either way: they declare no "exports"); `import()` stays.
    format: 'cjs',
    entryFileNames: '[name].cjs',
    sourcemap: true,
    // Non-ASCII characters as escapes: Node decodes an ASCII file on its fast path, and V8 keeps
    // its source as one byte a character.
    charset: 'ascii',
    chunkFileNames: '[name]-[hash].cjs',
    codeSplitting: {
      groups: [
        // Highest priority first; a group takes its modules' static dependencies along.
        { name: 'kms-why-core', test: (id) => STATIC.has(id) && !AWS.test(id), priority: 3 },
        { name: 'aws', test: AWS, priority: 1 },
      ],
    },
  },
};
