// KeyMetadata no KMS key can have is malformed input, refused with the file, JSON path and a hint,
// never evaluated: a KeyUsage its KeySpec does not allow (API CreateKey, KeyUsage), a key in a
// custom key store that is not a symmetric encryption key or is multi-Region (KMS key type
// reference; API CreateKey, MultiRegion), MultiRegionConfiguration on a single-Region key.
import { describe, expect, it } from 'vitest';
import { keyUsagesOf } from '../../src/model/key-state.js';
import { parseSnapshot } from '../../src/sources/snapshot-file.js';
import { oneKeySnapshot } from '../helpers/snapshot-doc.js';
import { runMain } from '../cli/in-process.js';
import { expectInputError } from './helpers.js';

const FILE = 'snap.json';
const parse = (metadata: Record<string, unknown>) => parseSnapshot(oneKeySnapshot({}, [], metadata), FILE);

describe('impossible key metadata', () => {
  it.each([
    [
      { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' },
      'KeyUsage',
      /no KMS key has KeySpec SYMMETRIC_DEFAULT with KeyUsage SIGN_VERIFY/,
      /ENCRYPT_DECRYPT/,
    ],
    [{ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }, 'KeyUsage', /HMAC_256 with KeyUsage ENCRYPT_DECRYPT/, /GENERATE_VERIFY_MAC/],
    [{ KeySpec: 'RSA_2048', KeyUsage: 'GENERATE_VERIFY_MAC' }, 'KeyUsage', /RSA_2048/, /ENCRYPT_DECRYPT or SIGN_VERIFY/],
    [{ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' }, 'KeyUsage', /RSA_2048/, /SIGN_VERIFY/],
    [{ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' }, 'KeyUsage', /ECC_SECG_P256K1/, /SIGN_VERIFY/],
    [{ KeySpec: 'ML_DSA_65', KeyUsage: 'ENCRYPT_DECRYPT' }, 'KeyUsage', /ML_DSA_65/, /SIGN_VERIFY/],
    [{ Origin: 'AWS_CLOUDHSM', MultiRegion: true }, 'MultiRegion', /custom key store .*multi-Region/, /custom key store/],
    [{ Origin: 'EXTERNAL_KEY_STORE', MultiRegion: true }, 'MultiRegion', /custom key store/, /custom key store/],
    [{ Origin: 'AWS_CLOUDHSM', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, 'Origin', /symmetric encryption key, not RSA_2048/, /custom key store/],
    [{ MultiRegion: false, MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' } }, 'MultiRegionConfiguration', /single-Region key/, /describe-key/],
  ])('%j is refused at %s', (metadata, member, message, hint) => {
    expectInputError(() => parse(metadata), { file: FILE, path: `keys[0].KeyMetadata.${member}`, message, hint });
  });

  it('every combination a key can have is accepted', () => {
    for (const spec of ['SYMMETRIC_DEFAULT', 'RSA_3072', 'ECC_NIST_P256', 'ECC_NIST_EDWARDS25519', 'ECC_SECG_P256K1', 'HMAC_512', 'SM2', 'ML_DSA_44'])
      for (const usage of keyUsagesOf(spec)) expect(parse({ KeySpec: spec, KeyUsage: usage }).keys[0]!.metadata.keyUsage).toBe(usage);
    expect(parse({ Origin: 'EXTERNAL', MultiRegion: true }).keys[0]!.metadata.multiRegion).toBe(true);
    expect(parse({ Origin: 'AWS_CLOUDHSM', MultiRegion: false }).keys[0]!.metadata.origin).toBe('AWS_CLOUDHSM');
  });

  it('members not given are not judged: a spec without usage leaves the metadata unknown, as before', () => {
    const raw = oneKeySnapshot({}, [], { KeySpec: 'RSA_2048' });
    delete ((raw.keys as Array<Record<string, Record<string, unknown>>>)[0]!.KeyMetadata as Record<string, unknown>).KeyUsage;
    expect(parseSnapshot(raw, FILE).keys[0]!.metadataUnknown).toBeDefined();
  });

  it('MultiRegionConfiguration without MultiRegion makes the key multi-Region, not a defaulted single-Region key', () => {
    const raw = oneKeySnapshot({}, [], { MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA' } });
    delete ((raw.keys as Array<Record<string, Record<string, unknown>>>)[0]!.KeyMetadata as Record<string, unknown>).MultiRegion;
    const m = parseSnapshot(raw, FILE).keys[0]!.metadata;
    expect(m).toMatchObject({ multiRegion: true, multiRegionKeyType: 'REPLICA' });
    expect(m.defaulted ?? []).not.toContain('MultiRegion');
  });

  it('the command line refuses the file: exit 2, with the file, JSON path and hint', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const f = join(mkdtempSync(join(tmpdir(), 'kms-why-impossible-')), 'bad.json');
    writeFileSync(f, JSON.stringify(oneKeySnapshot({}, [], { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' })));
    const r = await runMain(
      [
        'check',
        '--from',
        f,
        '--key',
        'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        '--principal',
        'arn:aws:iam::111122223333:role/app',
        '--action',
        'kms:Sign',
      ],
      { NO_COLOR: '1' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: keys\[0\]\.KeyMetadata\.KeyUsage: no KMS key has KeySpec SYMMETRIC_DEFAULT with KeyUsage SIGN_VERIFY/);
    expect(r.stderr).toMatch(/hint: KeySpec SYMMETRIC_DEFAULT goes with KeyUsage ENCRYPT_DECRYPT/);
  });
});
