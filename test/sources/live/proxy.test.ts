// HTTPS_PROXY / HTTP_PROXY / NO_PROXY in live mode: the rules, and the CLI's requests to a local AWS
// stand-in going through a CONNECT proxy on 127.0.0.1 that this test starts (or not, per NO_PROXY).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bypassesProxy, proxyFor, proxySettings } from '../../../src/sources/live/proxy.js';
import { startAwsServer, type AwsServer } from '../../helpers/aws-server.js';
import { BIN, ROOT, type RunResult } from '../../cli/helpers.js';

describe('proxy settings', () => {
  it('reads the variables as the AWS CLI does (upper case first)', () => {
    expect(proxySettings({})).toBeUndefined();
    expect(proxySettings({ NO_PROXY: 'x' })).toBeUndefined();
    expect(proxySettings({ https_proxy: 'http://p:3128', NO_PROXY: 'a.com, .b.com  c:8443' })).toEqual({
      https: 'http://p:3128',
      noProxy: ['a.com', '.b.com', 'c:8443'],
    });
    expect(proxySettings({ HTTPS_PROXY: 'http://P:1', https_proxy: 'http://p:2', HTTP_PROXY: 'http://h:3' })).toEqual({
      https: 'http://P:1',
      http: 'http://h:3',
      noProxy: [],
    });
  });

  it('NO_PROXY: domains and subdomains, IPs, ports, *', () => {
    const np = ['amazonaws.com', '.internal', '10.0.0.1', 'kms.eu-west-1.amazonaws.com.cn:8443'];
    expect(bypassesProxy('kms.us-east-1.amazonaws.com', 443, np)).toBe(true);
    expect(bypassesProxy('amazonaws.com', 443, np)).toBe(true);
    expect(bypassesProxy('notamazonaws.com', 443, np)).toBe(false);
    expect(bypassesProxy('a.b.internal', 443, np)).toBe(true);
    expect(bypassesProxy('10.0.0.1', 443, np)).toBe(true);
    expect(bypassesProxy('10.0.0.10', 443, np)).toBe(false);
    expect(bypassesProxy('kms.eu-west-1.amazonaws.com.cn', 443, np)).toBe(false);
    expect(bypassesProxy('kms.eu-west-1.amazonaws.com.cn', 8443, np)).toBe(true);
    expect(bypassesProxy('anything', 1, ['*'])).toBe(true);
    expect(bypassesProxy('KMS.US-EAST-1.AMAZONAWS.COM', 443, ['*.amazonaws.com'])).toBe(true);
  });

  it('https endpoints use HTTPS_PROXY, http endpoints HTTP_PROXY', () => {
    const s = proxySettings({ HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://h:2', NO_PROXY: 'localhost' })!;
    expect(proxyFor(true, 'kms.us-east-1.amazonaws.com', 443, s)).toBe('http://s:1');
    expect(proxyFor(false, '127.0.0.1', 4566, s)).toBe('http://h:2');
    expect(proxyFor(false, 'localhost', 4566, s)).toBeUndefined();
    expect(proxyFor(false, '127.0.0.1', 4566, proxySettings({ HTTPS_PROXY: 'http://s:1' })!)).toBeUndefined();
  });
});

describe('live mode through a local CONNECT proxy', () => {
  let aws: AwsServer;
  let proxy: Server;
  let proxyUrl: string;
  const tunnels: string[] = [];
  beforeAll(async () => {
    aws = await startAwsServer();
    proxy = createServer((_req, res) => res.writeHead(405).end());
    // A CONNECT proxy: records the target, then pipes bytes both ways.
    proxy.on('connect', (req, client, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
    await aws.close();
  });

  function run(extraEnv: Record<string, string>): Promise<RunResult> {
    const creds = aws.credentials('111122223333');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'kms-why-home-')),
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ...extraEnv,
    };
    const args = [
      'decrypt',
      '--key',
      'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      '--principal',
      'arn:aws:iam::111122223333:role/app',
      '--output',
      'json',
      '--endpoint-url',
      aws.url,
    ];
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  it('every AWS call goes through HTTP_PROXY, and the report is the same as without it', async () => {
    const target = new URL(aws.url).host;
    const direct = await run({});
    expect(tunnels).toEqual([]);
    const proxied = await run({ HTTP_PROXY: proxyUrl });
    expect(proxied.stderr).toBe('');
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([target]));
    expect(JSON.parse(proxied.stdout).results).toEqual(JSON.parse(direct.stdout).results);
    expect(proxied.code).toBe(direct.code);
  });

  it('NO_PROXY exempts the endpoint; HTTPS_PROXY alone does not apply to an http:// endpoint', async () => {
    tunnels.length = 0;
    const exempt = await run({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
    expect(exempt.stderr).toBe('');
    expect(tunnels).toEqual([]);
    const httpsOnly = await run({ HTTPS_PROXY: proxyUrl });
    expect(httpsOnly.stderr).toBe('');
    expect(tunnels).toEqual([]);
  });

  it('a proxy that is not a URL is a usage error', async () => {
    const r = await run({ HTTPS_PROXY: 'proxy.example.com:3128' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the proxy "proxy\.example\.com:3128" is not an http:\/\/ or https:\/\/ URL/);
  });
});

describe('the AWS SDK on the live path', () => {
  it('is not silenced: loading it sets no environment variable that child processes would inherit', async () => {
    const before = { ...process.env };
    await import('../../../src/sources/live/aws.js');
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe(before.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED);
    expect(Object.keys(process.env).filter((k) => !(k in before))).toEqual([]);
  });
});
