// `--redact`: replaces account ids, resource names in ARNs (roles, users, sessions, keys, aliases,
// functions …), grant ids and IAM unique ids with stable placeholders (<account-1>, <role-1> …).
// It works on the final rendered string of any output format: the same value gets the same
// placeholder everywhere, JSON stays valid JSON (placeholders need no escaping), and AWS-owned
// names stay readable: service principals, AWS managed policies (arn:aws:iam::aws:policy/…),
// alias/aws/… aliases, service-linked roles, regions, action and condition key names.
//
// The mapping lives in a Redactor, so one mapping can span several outputs; it is never printed.
import { ACTIONS } from '../model/actions.js';

export type PlaceholderKind =
  | 'account'
  | 'role'
  | 'user'
  | 'session'
  | 'group'
  | 'policy'
  | 'key'
  | 'alias'
  | 'function'
  | 'grant'
  | 'token'
  | 'id'
  | 'resource';

export interface RedactOptions {
  /**
   * How placeholders are written. `markdown` keeps them visible once rendered: `\<role-1\>` in
   * prose, `<role-1>` in code, `#lt;role-1#gt;` in Mermaid blocks. `auto` (the default) treats
   * text that starts with a Markdown heading as Markdown.
   */
  format?: 'auto' | 'plain' | 'markdown';
}

// Private-use characters mark replaced values while the passes run, so that no later pass can
// match inside a placeholder. OPEN index CLOSE is a placeholder; STASH_OPEN index STASH_CLOSE is an
// ANSI escape sequence put aside (so that colour codes do not glue onto the values next to them).
const OPEN = '\uE000';
const CLOSE = '\uE001';
const STASH_OPEN = '\uE002';
const STASH_CLOSE = '\uE003';
const PRIVATE = '\\uE000-\\uE003';

/** Characters that end an ARN (besides whitespace). */
const ARN_STOP = `\\s"'\`\\\\<>|,;()\\[\\]{}${PRIVATE}`;
const ARN_RE = new RegExp(
  `arn:(aws(?:-[a-z]+)*):([a-z0-9-]*|\\*):([a-z0-9-]*|\\*):([^:${ARN_STOP}]*):((?:\\$\\{[^}${ARN_STOP}]*\\}|[^${ARN_STOP}])+)`,
  'g',
);
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;
const UNIQUE_ID_RE = /(?<![A-Za-z0-9])(AROA|AIDA|AGPA|ANPA|ANVA|AIPA|APKA|ASCA|ACCA|AKIA|ASIA|ABIA|ACRA)[A-Z0-9]{12,}(?![A-Za-z0-9])(?::([A-Za-z0-9_+=,.@-]+))?/g;
const HEX64_RE = /(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])/g;
const HEX_FRAGMENT_RE = /(?<![0-9A-Za-z])[0-9a-fA-F]{8,63}(?![0-9A-Za-z])/g;
const UUID_RE = /(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z-])/g;
const MRK_RE = /(?<![0-9A-Za-z-])mrk-[0-9a-fA-F]{32}(?![0-9A-Za-z])/g;
const BARE_ALIAS_RE = new RegExp(`(?<![A-Za-z0-9:/_-])alias/([A-Za-z0-9/_-]+)`, 'g');
const BARE_KEY_RE = /(?<![A-Za-z0-9:/_-])key\/((?:mrk-)?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})(?![0-9A-Za-z-])/g;
/** AWS Organizations ids: organization (o-…) and organizational unit (ou-…-…). */
const ORG_ID_RE = /(?<![A-Za-z0-9-])(?:o-[a-z0-9]{10,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})(?![A-Za-z0-9-])/g;
const PLACEHOLDER_RE = /^<[a-z]+-\d+>$/;
const ACCOUNT_RE = /(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])/g;

/** Where grant ids and grant tokens appear in kms-why's outputs, by context. */
const GRANT_ID_CONTEXTS: RegExp[] = [
  /"grantId"\s*:\s*"([^"\\]+)"/gi,
  /"source"\s*:\s*"grant"\s*,\s*"id"\s*:\s*"([^"\\]+)"/g,
  /--grant-id(?:=|\s+)'?([^\s']+)'?/g,
  /\bgrants?\s+`?([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9])`?/gi,
];
const TOKEN_CONTEXTS: RegExp[] = [/"grantToken"\s*:\s*"([^"\\]+)"/gi, /--grant-token(?:=|\s+)'?([^\s']+)'?/g];

/** Words that are never taken as a bare name to replace (they are the report's own vocabulary). */
const STOP_WORDS = new Set(
  [
    'aws', 'kms', 'iam', 'sts', 'root', 'key', 'keys', 'alias', 'aliases', 'role', 'roles', 'user', 'users', 'group',
    'grant', 'grants', 'grantee', 'policy', 'policies', 'session', 'sessions', 'function', 'functions', 'lambda',
    'service', 'service-role', 'account', 'accounts', 'allow', 'deny', 'unknown', 'yes', 'no', 'none', 'all', 'any',
    'true', 'false', 'default', 'the', 'and', 'for', 'not', 'action', 'actions', 'principal', 'principals',
    'resource', 'resources', 'condition', 'conditions', 'statement', 'statements', 'request', 'key-policy',
    'identity-policy', 'permissions-boundary', 'session-policy', 'scp', 'rcp', 'implicit', 'explicit', 'state',
    'active', 'retired', 'enabled', 'disabled', 'read', 'absent', 'unreadable', 'hint', 'hints', 'name', 'names',
    'operation', 'operations', 'context', 'decrypt', 'encrypt', 'with', 'from', 'this', 'that', 'its', 'has', 'must',
  ].concat(ACTIONS.map((a) => a.short.toLowerCase())),
);
const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isWildcardOrVariable(s: string): boolean {
  return s === '' || /^[*?]+$/.test(s) || /^\$\{[^}]*\}$/.test(s);
}

type Context = 'plain' | 'prose' | 'mermaid';

export class Redactor {
  /** kind + NUL + value → placeholder index. */
  private readonly index = new Map<string, number>();
  private readonly labels: string[] = [];
  private readonly counters = new Map<PlaceholderKind, number>();
  /** Bare names (from ARNs) → placeholder index: replaced wherever they stand as a word. */
  private readonly bareNames = new Map<string, number>();
  /** Grant ids and tokens recognised from their context → placeholder index. */
  private readonly literals = new Map<string, number>();
  /** 64-hex grant ids, for fragments of them (shortened ids, ids broken across lines). */
  private readonly hexGrants = new Map<string, number>();

  /** Replaces every recognised identifier in `text` (a whole rendered output) with placeholders. */
  redact(text: string, options: RedactOptions = {}): string {
    const stash: string[] = [];
    let s = text.replace(ANSI_RE, (m) => {
      stash.push(m);
      return `${STASH_OPEN}${stash.length - 1}${STASH_CLOSE}`;
    });
    s = this.replaceArns(s);
    s = s.replace(BARE_ALIAS_RE, (m, name: string) => (name.startsWith('aws/') ? m : `alias/${this.token('alias', name, true)}`));
    s = s.replace(UNIQUE_ID_RE, (m, _p: string, session: string | undefined) => {
      const id = session === undefined ? m : m.slice(0, m.length - session.length - 1);
      return this.token('id', id) + (session === undefined ? '' : `:${this.token('session', session, true)}`);
    });
    s = s.replace(ORG_ID_RE, (m) => this.token('id', m));
    s = s.replace(HEX64_RE, (m) => {
      const t = this.token('grant', m.toLowerCase());
      this.hexGrants.set(m.toLowerCase(), this.index.get(`grant\0${m.toLowerCase()}`)!);
      return t;
    });
    s = s.replace(BARE_KEY_RE, (_m, id: string) => `key/${this.token('key', id.toLowerCase())}`);
    s = s.replace(UUID_RE, (m) => (this.index.has(`key\0${m.toLowerCase()}`) ? this.token('key', m.toLowerCase()) : this.token('id', m.toLowerCase())));
    s = s.replace(MRK_RE, (m) => this.token('key', m.toLowerCase()));
    s = s.replace(HEX_FRAGMENT_RE, (m) => {
      const lower = m.toLowerCase();
      for (const [id, i] of this.hexGrants) if (id.includes(lower)) return this.mark(i);
      return m;
    });
    s = this.replaceContextual(s, GRANT_ID_CONTEXTS, 'grant');
    s = this.replaceContextual(s, TOKEN_CONTEXTS, 'token');
    s = this.replaceLiterals(s);
    s = s.replace(ACCOUNT_RE, (m) => this.token('account', m));
    s = this.replaceBareNames(s);
    const format = options.format ?? 'auto';
    const markdown = format === 'markdown' || (format === 'auto' && /^#{1,6} /.test(text));
    s = markdown ? this.expandMarkdown(s) : realignBoxTables(this.expand(s, 'plain'));
    return s.replace(new RegExp(`${STASH_OPEN}(\\d+)${STASH_CLOSE}`, 'g'), (_m, i: string) => stash[Number(i)]!);
  }

  // -------------------------------------------------------------------------------------------

  private mark(i: number): string {
    return `${OPEN}${i}${CLOSE}`;
  }

  private placeholder(kind: PlaceholderKind, value: string): number {
    const k = `${kind}\0${value}`;
    let i = this.index.get(k);
    if (i === undefined) {
      const n = (this.counters.get(kind) ?? 0) + 1;
      this.counters.set(kind, n);
      i = this.labels.length;
      this.labels.push(`${kind}-${n}`);
      this.index.set(k, i);
    }
    return i;
  }

  /** The marked placeholder for a value; `bare` also replaces the value where it stands alone. */
  private token(kind: PlaceholderKind, value: string, bare = false): string {
    const i = this.placeholder(kind, value);
    if (bare && this.bareEligible(value) && !this.bareNames.has(value)) this.bareNames.set(value, i);
    return this.mark(i);
  }

  private bareEligible(v: string): boolean {
    return v.length >= 3 && !/^\d+$/.test(v) && !STOP_WORDS.has(v.toLowerCase()) && !REGION_RE.test(v) && !isWildcardOrVariable(v) && !/[*?]/.test(v);
  }

  private name(kind: PlaceholderKind, value: string): string {
    return isWildcardOrVariable(value) ? value : this.token(kind, value, true);
  }

  private replaceArns(s: string): string {
    return s.replace(ARN_RE, (m, partition: string, service: string, region: string, account: string, resource: string) => {
      // Trailing sentence punctuation is not part of the ARN.
      const trail = /[.:?!]+$/.exec(resource)?.[0] ?? '';
      const res = trail === '' ? resource : resource.slice(0, -trail.length);
      if (res === '') return m;
      if (account === 'aws') return m; // AWS managed policies and other AWS-owned resources
      const acct = /^\d{12}$/.test(account) ? this.token('account', account) : account;
      // "…:function:" broken across lines: the resource type alone, its name on the next line.
      const typeOnly = /^[A-Za-z-]+$/.test(res) && trail.startsWith(':');
      return `arn:${partition}:${service}:${region}:${acct}:${typeOnly ? res : this.resource(service, res)}${trail}`;
    });
  }

  private resource(service: string, r: string): string {
    // A resource type alone (an ARN broken across lines after "role/" or "function:").
    if (/^[A-Za-z-]+[/:]?$/.test(r) && (/[/:]$/.test(r) || r === 'root')) return r;
    if (service === 'iam') {
      if (r === 'root') return r;
      const m = /^(role|user|group|policy|instance-profile|server-certificate|saml-provider|oidc-provider|mfa|sms-mfa)\/(.*)$/.exec(r);
      if (m) {
        const type = m[1]!;
        // Service-linked roles have AWS-owned names.
        if (type === 'role' && m[2]!.startsWith('aws-service-role/')) return r;
        const segs = m[2]!.split('/');
        const last = segs.pop()!;
        const kind: PlaceholderKind = type === 'role' || type === 'user' || type === 'group' || type === 'policy' ? type : 'resource';
        return `${type}/${segs.map((p) => `${p}/`).join('')}${this.name(kind, last)}`;
      }
    }
    if (service === 'sts') {
      const ar = /^assumed-role\/([^/]+)\/(.*)$/.exec(r);
      if (ar) return `assumed-role/${this.name('role', ar[1]!)}/${this.name('session', ar[2]!)}`;
      const fu = /^federated-user\/(.+)$/.exec(r);
      if (fu) return `federated-user/${this.name('user', fu[1]!)}`;
    }
    if (service === 'kms') {
      const k = /^key\/(.+)$/.exec(r);
      if (k) return `key/${isWildcardOrVariable(k[1]!) ? k[1]! : this.token('key', k[1]!.toLowerCase())}`;
      const a = /^alias\/(.+)$/.exec(r);
      if (a) return a[1]!.startsWith('aws/') || isWildcardOrVariable(a[1]!) ? r : `alias/${this.name('alias', a[1]!)}`;
    }
    if (service === 'lambda') {
      const f = /^function:([^:]+)(:.*)?$/.exec(r);
      if (f) return `function:${this.name('function', f[1]!)}${f[2] ?? ''}`;
    }
    if (service === 's3') {
      const b = /^([^/]+)(?:\/(.*))?$/.exec(r)!;
      return this.name('resource', b[1]!) + (b[2] === undefined ? '' : `/${this.name('resource', b[2])}`);
    }
    const g = /^([A-Za-z][A-Za-z0-9-]*)([/:])(.+)$/.exec(r);
    if (g) return `${g[1]}${g[2]}${this.name('resource', g[3]!)}`;
    return this.name('resource', r);
  }

  private replaceContextual(s: string, contexts: RegExp[], kind: PlaceholderKind): string {
    for (const re of contexts) {
      for (const m of s.matchAll(re)) {
        const v = m[1]!;
        // Skip placeholders (redacting twice changes nothing) and "(unreadable grants)".
        if (v.includes(OPEN) || v.startsWith('(') || PLACEHOLDER_RE.test(v)) continue;
        // In prose ("grant X …") only words that look like ids: a digit or a dash in them.
        if (re === GRANT_ID_CONTEXTS[3] && (!/[0-9-]/.test(v) || STOP_WORDS.has(v.toLowerCase()))) continue;
        if (!this.literals.has(v)) this.literals.set(v, this.placeholder(kind, v));
      }
    }
    return s;
  }

  private replaceLiterals(s: string): string {
    if (this.literals.size === 0) return s;
    const values = [...this.literals.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    const re = new RegExp(`(?<![A-Za-z0-9_-])(?:${values.map(escapeRe).join('|')})(?![A-Za-z0-9_-])`, 'g');
    return s.replace(re, (m) => this.mark(this.literals.get(m)!));
  }

  private replaceBareNames(s: string): string {
    if (this.bareNames.size === 0) return s;
    const values = [...this.bareNames.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    // A name ends where an IAM name cannot go on; a comma or a full stop followed by a space ends
    // a sentence's word, and "name:value" is a condition key, not a name.
    const re = new RegExp(
      `(?<![A-Za-z0-9_+=,.@:$-])(?:${values.map(escapeRe).join('|')})(?![A-Za-z0-9_+=@-])(?![,.][A-Za-z0-9_+=@-])(?!:[A-Za-z0-9*])`,
      'g',
    );
    return s.replace(re, (m) => this.mark(this.bareNames.get(m)!));
  }

  private render(i: number, ctx: Context): string {
    const label = this.labels[i]!;
    switch (ctx) {
      case 'plain':
        return `<${label}>`;
      case 'prose':
        return `\\<${label}\\>`;
      case 'mermaid':
        return `#lt;${label}#gt;`;
    }
  }

  private expand(s: string, ctx: Context): string {
    return s.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_m, i: string) => this.render(Number(i), ctx));
  }

  /** Markdown: fenced blocks and code spans are code, Mermaid blocks take entity codes, the rest is prose. */
  private expandMarkdown(s: string): string {
    const out: string[] = [];
    let fence: { marker: string; mermaid: boolean } | undefined;
    for (const line of s.split('\n')) {
      if (fence) {
        const close = new RegExp(`^\\s*${fence.marker}\`*\\s*$`).test(line);
        out.push(this.expand(line, fence.mermaid ? 'mermaid' : 'plain'));
        if (close) fence = undefined;
        continue;
      }
      const open = /^\s*(`{3,})\s*([A-Za-z0-9_-]*)/.exec(line);
      if (open) {
        fence = { marker: open[1]!, mermaid: open[2] === 'mermaid' };
        out.push(this.expand(line, 'plain'));
        continue;
      }
      out.push(this.expandInline(line));
    }
    return out.join('\n');
  }

  /** One line of Markdown prose: code spans keep plain placeholders. */
  private expandInline(line: string): string {
    let out = '';
    let i = 0;
    while (i < line.length) {
      let tick = line.indexOf('`', i);
      // An escaped backtick (\`) in prose opens no code span.
      while (tick > 0 && line[tick - 1] === '\\') tick = line.indexOf('`', tick + 1);
      if (tick === -1) {
        out += this.expand(line.slice(i), 'prose');
        break;
      }
      out += this.expand(line.slice(i, tick), 'prose');
      let n = 0;
      while (line[tick + n] === '`') n++;
      const run = '`'.repeat(n);
      // The span closes at the next run of exactly n backticks.
      let close = -1;
      let j = tick + n;
      while (j < line.length) {
        const k = line.indexOf(run, j);
        if (k === -1) break;
        let m = 0;
        while (line[k + m] === '`') m++;
        if (m === n) {
          close = k;
          break;
        }
        j = k + m;
      }
      if (close === -1) {
        out += run;
        i = tick + n;
        continue;
      }
      out += run + this.expand(line.slice(tick + n, close), 'plain') + run;
      i = close + n;
    }
    return out;
  }
}

/** Visible width of a line whose ANSI codes are stashed. */
function visibleLength(s: string): number {
  return [...s.replace(new RegExp(`${STASH_OPEN}\\d+${STASH_CLOSE}`, 'g'), '')].length;
}

/**
 * Placeholders are not as long as the values they replace, which would shift the right-hand
 * borders of a box-drawn table (--output table). Each cell is padded or trimmed back to the width
 * of its column, as the table's top border gives it (trimming only the cell's trailing spaces).
 */
function realignBoxTables(s: string): string {
  const lines = s.split('\n');
  let widths: number[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('┌') && line.endsWith('┐')) {
      widths = line.slice(1, -1).split('┬').map((seg) => [...seg].length);
      continue;
    }
    if (widths === undefined) continue;
    if (line.startsWith('└')) {
      widths = undefined;
      continue;
    }
    if (!line.startsWith('│')) continue;
    const cells = line.split('│');
    // ['', cell 1, …, cell n, trailing text (empty)]
    if (cells.length !== widths.length + 2) continue;
    for (let c = 0; c < widths.length; c++) {
      let cell = cells[c + 1]!;
      const w = widths[c]!;
      let len = visibleLength(cell);
      while (len > w && cell.endsWith(' ')) {
        cell = cell.slice(0, -1);
        len--;
      }
      if (len < w) cell += ' '.repeat(w - len);
      cells[c + 1] = cell;
    }
    lines[i] = cells.join('│');
  }
  return lines.join('\n');
}

/** Redacts one output with a mapping of its own. */
export function redact(text: string, options: RedactOptions = {}): string {
  return new Redactor().redact(text, options);
}
