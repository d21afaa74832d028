// The partition of a Region, and a bare account id read in a partition.
import { describe, expect, it } from 'vitest';
import { accountRootIn, parsePrincipal, partitionOfRegion } from '../../src/model/arn.js';

describe('partitionOfRegion', () => {
  it('follows the Region names of the SDK partition table; any other name is aws', () => {
    expect(partitionOfRegion('us-east-1')).toBe('aws');
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('us-iso-east-1')).toBe('aws-iso');
    expect(partitionOfRegion('us-isob-east-1')).toBe('aws-iso-b');
    expect(partitionOfRegion('eu-isoe-west-1')).toBe('aws-iso-e');
    expect(partitionOfRegion('us-isof-south-1')).toBe('aws-iso-f');
    expect(partitionOfRegion('')).toBe('aws');
  });
});

describe('accountRootIn', () => {
  it('reads a bare account id as the root user of the partition given; nothing else', () => {
    expect(accountRootIn(' 111122223333', 'aws-cn')).toEqual({
      ...parsePrincipal('arn:aws-cn:iam::111122223333:root'),
      arn: 'arn:aws-cn:iam::111122223333:root',
    });
    expect(accountRootIn('arn:aws:iam::111122223333:root', 'aws-cn')).toBeUndefined();
    expect(accountRootIn('arn:aws:iam::111122223333:role/app', 'aws-cn')).toBeUndefined();
  });
});
