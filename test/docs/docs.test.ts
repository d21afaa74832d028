// The project's own documentation: every docs/… link in the code, the README and the docs points
// at a heading that exists; every assumption links to its entry; nothing cites material outside
// the repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASSUMPTION_TEXT as ASSUMPTION } from '../../src/report/phrases.js';
import { ROOT } from '../cli/helpers.js';

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}/${f}`;
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(doc: string): Set<string> {
  const text = readFileSync(`${ROOT}${doc}`, 'utf8');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

const kebab = (id: string): string => id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const SOURCES = [...files(`${ROOT}src`, /\.ts$/), `${ROOT}README.md`, ...files(`${ROOT}docs`, /\.md$/), `${ROOT}action.yml`];

describe('documentation links', () => {
  it('every docs/FILE.md#anchor cited in src, README, docs and action.yml exists', () => {
    const cache = new Map<string, Set<string>>();
    const broken: string[] = [];
    let count = 0;
    for (const f of SOURCES) {
      for (const m of readFileSync(f, 'utf8').matchAll(/docs\/([a-z-]+\.md)(?:#([a-z0-9-]+))?/g)) {
        count++;
        const doc = `docs/${m[1]}`;
        let set = cache.get(doc);
        if (set === undefined) {
          try {
            set = anchors(doc);
          } catch {
            broken.push(`${f.slice(ROOT.length)}: ${doc} does not exist`);
            continue;
          }
          cache.set(doc, set);
        }
        if (m[2] !== undefined && !set.has(m[2])) broken.push(`${f.slice(ROOT.length)}: ${doc}#${m[2]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(count).toBeGreaterThan(40);
  });

  it('every assumption a report can print links to its own entry in docs/semantics.md', () => {
    const set = anchors('docs/semantics.md');
    for (const [id, text] of Object.entries(ASSUMPTION)) {
      expect(text, id).toContain(`(docs/semantics.md#${kebab(id)})`);
      expect(set.has(kebab(id)), id).toBe(true);
    }
  });

  it('nothing cites material outside the repository', () => {
    for (const f of SOURCES) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/shared\/spec|spec §|\(§\d/);
    }
  });
});
