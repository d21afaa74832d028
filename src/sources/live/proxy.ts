// HTTPS_PROXY / HTTP_PROXY / NO_PROXY for live mode, as the AWS CLI honours them. The AWS SDK for
// JavaScript v3 does not read them by itself, and Node 22.12 has no built-in proxy agent (Node's
// own `proxyEnv` arrived in later releases), so requests go through https-proxy-agent (HTTP
// CONNECT tunnels) — loaded only when a proxy variable is set.
// AWS CLI: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html
import type { Agent as HttpAgent } from 'node:http';

export interface ProxySettings {
  /** For https:// endpoints (HTTPS_PROXY, else https_proxy). */
  https?: string;
  /** For http:// endpoints, e.g. a local --endpoint-url (HTTP_PROXY, else http_proxy). */
  http?: string;
  /** NO_PROXY entries, lower case. */
  noProxy: string[];
}

const pick = (env: Record<string, string | undefined>, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
};

/** The proxy settings of an environment, or undefined when no proxy is set. */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings | undefined {
  const https = pick(env, 'HTTPS_PROXY', 'https_proxy');
  const http = pick(env, 'HTTP_PROXY', 'http_proxy');
  if (https === undefined && http === undefined) return undefined;
  const noProxy = (pick(env, 'NO_PROXY', 'no_proxy') ?? '')
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  return { ...(https !== undefined ? { https } : {}), ...(http !== undefined ? { http } : {}), noProxy };
}

/**
 * Is this host exempt (NO_PROXY)? Entries as curl and the AWS CLI read them: `*` for every host;
 * `example.com` or `.example.com` for the domain and its subdomains; an IP address exactly;
 * `host:port` only on that port. (CIDR ranges are not supported.)
 */
export function bypassesProxy(host: string, port: number, noProxy: readonly string[]): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  for (const raw of noProxy) {
    if (raw === '*') return true;
    let entry = raw;
    const m = /^(.*?):(\d+)$/.exec(entry);
    if (m !== null && !entry.startsWith('[') && (entry.match(/:/g) ?? []).length === 1) {
      if (Number(m[2]) !== port) continue;
      entry = m[1]!;
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entry === '') continue;
    if (h === entry || h.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy URL a request to this endpoint goes through, or undefined to go direct. */
export function proxyFor(secure: boolean, host: string, port: number, s: ProxySettings): string | undefined {
  const proxy = secure ? s.https : s.http;
  if (proxy === undefined || bypassesProxy(host, port, s.noProxy)) return undefined;
  return proxy;
}

/**
 * Agents for the SDK's request handler that send each request through the proxy its endpoint
 * calls for, or directly (NO_PROXY). Undefined when no proxy variable is set: then nothing is loaded.
 */
export async function proxyAgents(env: Record<string, string | undefined>): Promise<{ httpAgent: HttpAgent; httpsAgent: HttpAgent } | undefined> {
  const settings = proxySettings(env);
  if (settings === undefined) return undefined;
  for (const url of [settings.https, settings.http]) {
    if (url !== undefined && !/^https?:\/\/[^/]/i.test(url)) {
      const { InputError } = await import('../../model/errors.js');
      throw new InputError(`the proxy "${url.replace(/\/\/[^@/]*@/, '//…@')}" is not an http:// or https:// URL`, {
        hint: 'Set HTTPS_PROXY (and HTTP_PROXY) to a URL such as http://proxy.example.com:3128.',
      });
    }
  }
  const [{ Agent }, { HttpsProxyAgent }, http, https] = await Promise.all([
    import('agent-base'),
    import('https-proxy-agent'),
    import('node:http'),
    import('node:https'),
  ]);
  const direct = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const tunnels = new Map<string, HttpAgent>();
  class EnvProxyAgent extends Agent {
    override connect(_req: unknown, opts: { secureEndpoint: boolean; host?: string | null; port?: number | null }): HttpAgent {
      const secure = opts.secureEndpoint;
      const proxy = proxyFor(secure, opts.host ?? '', opts.port ?? (secure ? 443 : 80), settings!);
      if (proxy === undefined) return secure ? direct.https : direct.http;
      let t = tunnels.get(proxy);
      if (t === undefined) {
        t = new HttpsProxyAgent(proxy, { keepAlive: true });
        tunnels.set(proxy, t);
      }
      return t;
    }
  }
  const agent = new EnvProxyAgent({ keepAlive: true });
  return { httpAgent: agent, httpsAgent: agent };
}
