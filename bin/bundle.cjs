// Loads the bundled command line (dist/bundle/*.cjs, rolldown.config.mjs) with a V8 code cache made
// after the run, so that a later run of the same command starts with the bytecode of every function
// it used instead of parsing and compiling them again.
//
// Why not Node's own compile cache (module.enableCompileCache, which bin/kms-why.cjs still turns on
// for the AWS SDK): Node makes its cache when a module is compiled, before any of it runs, and V8
// compiles functions lazily, on their first call: the cache holds the module's top level only, and
// every run compiled again the ≈ 450 functions a check calls (≈ 15 ms of a ≈ 60 ms cold start).
// `vm.Script#createCachedData()` called after the run holds every function compiled by then
// (https://nodejs.org/api/vm.html#scriptcreatecacheddata), which the ESM loader offers no way to do;
// hence CommonJS chunks, each compiled here as Node's own loader would (Module.wrap).
//
// One cache file per chunk and command (a check and a who-can call different functions), in the
// user's cache folder beside Node's compile cache, in a folder per installation. A run that writes
// removes the files of chunks no longer there, so a new build leaves none behind, and the folders
// of installations that are gone. A file is named after the chunk (its name carries rolldown's
// content hash), the chunk file's size and modification time, the command, Node's version and
// architecture, and Node's flags if any. V8 itself rejects data made by another V8 or with other
// flags (the run then compiles as usual and writes the file again); it checks only the source's length, hence size
// and time in the name. A cache that cannot be read or written costs only the speed-up; it is
// written to a temporary file and renamed, so a concurrent run reads either none or all of it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** FNV-1a of a string, as 8 hex digits. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * @param {string} dir   the bundle's folder
 * @param {string | undefined} cacheDir   where cache files go (created on the first write); undefined: no cache
 * @param {string} label   the command being run, as part of the cache files' names
 * @returns {{ require: (file: string) => any, save: () => void }}
 */
function bundleLoader(dir, cacheDir, label) {
  // Node's require.cache is keyed by real paths.
  dir = fs.realpathSync(dir);
  // A folder per installation (by its path), so that save() can remove what an earlier build of this
  // one left without touching another installation's.
  const cacheRoot = cacheDir;
  if (cacheDir !== undefined) cacheDir = path.join(cacheDir, fnv1a(dir));
  const nodeRequire = Module.createRequire(path.join(dir, 'kms-why.cjs'));
  /** @type {Array<{ script: import('node:vm').Script, cacheFile: string }>} */
  const unsaved = [];
  // V8 rejects a cache made under other flags (a heap size, say): runs with flags of their own
  // (node's options, NODE_OPTIONS) have files of their own, instead of replacing each other's.
  const flags = `${process.execArgv.join('\0')}\0${process.env.NODE_OPTIONS ?? ''}`;
  const tag = `${label}-${process.version}-${process.arch}${flags === '\0' ? '' : `-${fnv1a(flags)}`}`;

  function load(file) {
    // require.cache, Node's own, so that a chunk that Node's loader reads (below) finds the ones
    // loaded here instead of loading a second copy of their classes.
    const known = nodeRequire.cache[file];
    if (known !== undefined) return known.exports;
    // The AWS chunk: Node's loader, as the chunk's `import()` of packages needs (a script compiled
    // here could only have them through an experimental vm API). The live path waits on AWS anyway.
    if (path.basename(file).startsWith('aws-')) return nodeRequire(file);
    const fd = fs.openSync(file, 'r');
    let source;
    let stat;
    try {
      stat = fs.fstatSync(fd);
      source = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
    const cacheFile =
      cacheDir === undefined ? undefined : path.join(cacheDir, `${path.basename(file, '.cjs')}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${tag}.v8`);
    let cachedData;
    if (cacheFile !== undefined) {
      try {
        cachedData = fs.readFileSync(cacheFile);
      } catch {
        cachedData = undefined;
      }
    }
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) unsaved.push({ script, cacheFile });
    const mod = new Module.Module(file);
    mod.filename = file;
    // Registered before it runs, as Node does, so that chunks that require each other get the
    // exports filled so far.
    nodeRequire.cache[file] = mod;
    let outside;
    const requireFrom = (id) => (id.startsWith('./') ? load(path.join(dir, id)) : (outside ??= Module.createRequire(file))(id));
    script.runInThisContext().call(mod.exports, mod.exports, requireFrom, mod, file, dir);
    mod.loaded = true;
    return mod.exports;
  }

  function save() {
    if (cacheDir === undefined || unsaved.length === 0) return;
    try {
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      // A folder that cannot be written (a read-only home): no cache made for nothing on every run.
      fs.accessSync(cacheDir, fs.constants.W_OK);
    } catch {
      return;
    }
    prune();
    pruneInstallations();
    for (const { script, cacheFile } of unsaved.splice(0)) {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
      } catch {
        try {
          fs.unlinkSync(tmp);
        } catch {}
      }
    }
  }

  /**
   * Removes the cache files of chunks that are no longer in the bundle (or have changed), and
   * temporary files a run left when it was killed between writing and renaming (after an hour).
   */
  function prune() {
    try {
      const current = [];
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith('.cjs')) continue;
        const st = fs.statSync(path.join(dir, f));
        current.push(`${path.basename(f, '.cjs')}-${st.size}-${Math.trunc(st.mtimeMs)}-`);
      }
      for (const f of fs.readdirSync(cacheDir)) {
        const file = path.join(cacheDir, f);
        if (f.endsWith('.v8') && !current.some((c) => f.startsWith(c))) fs.unlinkSync(file);
        else if (f.endsWith('.tmp') && Date.now() - fs.statSync(file).mtimeMs > 3_600_000) fs.unlinkSync(file);
      }
    } catch {}
  }

  /**
   * Removes the folders of installations that are gone (a folder names its installation in a file
   * `path`): a package installed to a temporary prefix, an old global install. Only files this
   * loader writes are removed, and the folder only if nothing else is left in it.
   */
  function pruneInstallations() {
    try {
      const own = path.join(cacheDir, 'path');
      if (!fs.existsSync(own)) fs.writeFileSync(own, dir, { mode: 0o600 });
      for (const name of fs.readdirSync(cacheRoot)) {
        const folder = path.join(cacheRoot, name);
        if (!/^[0-9a-f]{8}$/.test(name) || folder === cacheDir) continue;
        let install;
        try {
          install = fs.readFileSync(path.join(folder, 'path'), 'utf8');
        } catch {
          continue;
        }
        if (fs.existsSync(install)) continue;
        // `path` last: a folder left half-removed is still found and removed by a later run.
        for (const f of fs.readdirSync(folder)) if (f.endsWith('.v8') || f.endsWith('.tmp')) fs.unlinkSync(path.join(folder, f));
        fs.unlinkSync(path.join(folder, 'path'));
        fs.rmdirSync(folder);
      }
    } catch {}
  }

  return { require: (file) => load(path.join(dir, file)), save };
}

module.exports = { bundleLoader };
