// `npm run build` (after tsc): the command line bundled for bin/kms-why.js. A cold start then
// resolves and reads two modules of ours instead of some 45 (ESM resolution was a fifth of it), and
// the compile cache holds two entries. Commander and chalk, which every run needs, are bundled; other
// packages stay external. dist/index.js (the library API) and tsc's per-module files are unchanged.
//
// Two chunks that matter: dist/bundle/kms-why-core-*.js, with everything an offline run can need (dynamic imports
// of our own modules land there too: V8 parses a function only when it first runs, and the compile
// cache keeps the rest), and dist/bundle/aws-*.js, the readers that import the AWS SDK statically, loaded
// only by the live path's dynamic imports, as before (`import()` of an external stays dynamic).
// Reached only through `import('../sources/live/index.js')` or `…/cloudtrail.js`, and the only
// modules that import the AWS SDK statically. proxy.js stays a chunk of its own: its agents are
// loaded only when a proxy is set.
const AWS = /[\\/]sources[\\/]live[\\/](index|key|principal|aws|cloudtrail|retry|limiter|failures|proxy)\.js$/;

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

export default {
  plugins: [lazyBuiltins],
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
        // Everything but the AWS readers, first (a group takes its modules' dependencies along).
        { name: 'kms-why-core', test: (id) => !AWS.test(id), priority: 2 },
        { name: 'aws', test: AWS, priority: 1 },
      ],
    },
  },
};
