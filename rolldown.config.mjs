// `npm run build` (after tsc): the command line bundled for bin/kms-why.js. A cold start then
// resolves and reads a few modules of ours instead of some 45 (ESM resolution was a fifth of it), and
// the compile cache holds a few entries. Commander and chalk are bundled; other packages stay
// external. dist/index.js (the library API) and tsc's per-module files are unchanged.
//
// The chunks:
// - dist/bundle/kms-why-core-*.js: what main.js imports statically, i.e. what every run loads
//   (the evaluator, the report builder, the snapshot readers, commander).
// - dist/bundle/aws-*.js: the readers that import the AWS SDK statically, loaded only by the live
//   path's dynamic imports, as before (`import()` of an external stays dynamic).
// - one small chunk per dynamic import of ours (the other commands, --fix, each renderer, chalk,
//   --redact …) and the chunks they share, loaded when a run needs them. Reading, decoding and
//   compiling a file costs time in proportion to its size, even from the compile cache, so a check
//   with --output json does not pay for who-can's 120 kB, and one more small file costs less than
//   that.
// Reached only through `import('../sources/live/index.js')` or `…/cloudtrail.js`, and the only
// modules that import the AWS SDK statically. proxy.js stays a chunk of its own: its agents are
// loaded only when a proxy is set. A module of sources/live/ left off this list lands in the core
// chunk and takes aws.js, hence the whole SDK, along (org-id.js once did: +300 ms on every offline
// run); the `noAwsSdkInCore` check below makes that a build error.
const AWS = /[\\/]sources[\\/]live[\\/](index|key|principal|aws|org-id|cloudtrail|retry|limiter|failures|proxy)\.js$/;

/**
 * Built-in modules that cost a cold start more than they are worth (node:crypto ≈ 5–15 ms and
 * node:child_process ≈ 8–20 ms on a busy machine; `node -e 0` takes ≈ 70 ms), yet every run would
 * load them, because a bundle hoists every static import to its top: commander imports
 * child_process for external subcommands (which kms-why has none of), and crypto serves only
 * --redact, SARIF fingerprints and the names of temporary files. Each name listed is replaced by
 * a function that loads the module on its first call (process.getBuiltinModule, Node 22.3+); a name
 * not listed is a build error ("missing export"), never a silent gap.
 */
const LAZY_BUILTINS = {
  'node:crypto': { named: ['createHash', 'createHmac', 'randomBytes'] },
  'node:child_process': { named: [], default: ['spawn'] },
};

/** @type {import('rolldown').Plugin} */
const lazyBuiltins = {
  name: 'kms-why-lazy-builtins',
  resolveId(id) {
    const name = id.startsWith('node:') ? id : `node:${id}`;
    return Object.hasOwn(LAZY_BUILTINS, name) && /^(node:)?(crypto|child_process)$/.test(id) ? `\0lazy:${name}` : null;
  },
  load(id) {
    if (!id.startsWith('\0lazy:')) return null;
    const name = id.slice('\0lazy:'.length);
    const spec = LAZY_BUILTINS[name];
    const lines = [`const load = () => process.getBuiltinModule(${JSON.stringify(name)});`];
    for (const n of spec.named) lines.push(`export function ${n}(...args) { return load().${n}(...args); }`);
    if (spec.default !== undefined) lines.push(`export default { ${spec.default.map((n) => `${n}: (...args) => load().${n}(...args)`).join(', ')} };`);
    return lines.join('\n');
  },
};

/**
 * The build fails if a chunk that offline runs load imports a package of the AWS SDK (or the aws
 * chunk) statically: they must never pay for loading it.
 */
/** @type {import('rolldown').Plugin} */
const noAwsSdkInCore = {
  name: 'kms-why-no-aws-sdk-in-core',
  generateBundle(_options, bundle) {
    const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
    const aws = new Set(chunks.filter((c) => c.name === 'aws').map((c) => c.fileName));
    for (const c of chunks) {
      if (c.name === 'aws') continue;
      const bad = c.imports.filter((i) => /^@aws-sdk\/|^@smithy\//.test(i) || aws.has(i));
      if (bad.length > 0) this.error(`${c.fileName} imports ${bad.join(', ')} statically: a module of sources/live/ is missing from AWS in rolldown.config.mjs`);
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
  plugins: [lazyBuiltins, staticGraph, noAwsSdkInCore],
  input: { 'kms-why': 'dist/cli/main.js' },
  platform: 'node',
  // Our own dynamic imports of modules that the core also imports statically: expected, as above.
  checks: { ineffectiveDynamicImport: false },
  // (`#…` are a package's own imports, chalk's among them: resolved inside it, bundled with it.)
  external: (id) => !/^[.#/\0]/.test(id) && !/^(commander|chalk)(\/|$)/.test(id) && !/^(node:)?(crypto|child_process)$/.test(id),
  output: {
    dir: 'dist/bundle',
    cleanDir: true,
    format: 'esm',
    sourcemap: true,
    // Non-ASCII characters as escapes: Node decodes an ASCII file on its fast path, and V8 keeps
    // its source as one byte a character.
    charset: 'ascii',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: {
      groups: [
        // Highest priority first; a group takes its modules' static dependencies along.
        { name: 'kms-why-core', test: (id) => STATIC.has(id) && !AWS.test(id), priority: 3 },
        { name: 'aws', test: AWS, priority: 1 },
      ],
    },
  },
};
