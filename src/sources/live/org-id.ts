// aws:PrincipalOrgID and aws:ResourceOrgID read from AWS: organizations:DescribeOrganization, which
// any account of an organization may call, names the organization of the credentials' account
// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html).
// Called only when a policy that was read has a condition on one of the two keys, and the
// Organizations client is loaded only then: a check that does not need it pays nothing.
//
// What it tells: the organization id of the account of those credentials, and the organization's
// management account (which SCPs and RCPs do not restrict), nothing about other accounts. An account that is not in an organization (AWSOrganizationsNotInUseException), a
// refused call, or a principal in another account leaves the key unknown, as before.
import type { Policy } from '../../model/policy.js';
import type { InputRecord } from '../../model/snapshot.js';
import { describeFailure, type AwsSession } from './aws.js';

const ORG_KEYS = /^aws:(principalorgid|resourceorgid)$/i;
const ORG_VARIABLE = /\$\{aws:(principalorgid|resourceorgid)\}/i;

/** Whether a policy has a condition on aws:PrincipalOrgID or aws:ResourceOrgID (or uses one as a variable). */
export function mentionsOrgId(policies: Iterable<Policy>): boolean {
  for (const p of policies) {
    for (const st of p.statements) {
      for (const c of st.condition) if (ORG_KEYS.test(c.key) || c.values.some((v) => ORG_VARIABLE.test(v))) return true;
      if ([...(st.resource ?? []), ...(st.notResource ?? [])].some((r) => ORG_VARIABLE.test(r))) return true;
    }
  }
  return false;
}

export interface OrgIdRead {
  /** The account the credentials are of. */
  account: string;
  /** The organization id (o-…), when DescribeOrganization answered with one. */
  id?: string;
  /** Its management account (MasterAccountId), when the answer gives a valid one. */
  managementAccount?: string;
  record: InputRecord;
}

const ORG_ID = /^o-[a-z0-9]{10,32}$/;

/** DescribeOrganization with one session's credentials (of `account`). */
export async function readOrganizationId(s: AwsSession, account: string): Promise<OrgIdRead> {
  const what = `the organization of account ${account}`;
  const from = 'AWS organizations:DescribeOrganization';
  const { OrganizationsClient, DescribeOrganizationCommand } = await import('@aws-sdk/client-organizations');
  // Organizations has one endpoint per partition; the SDK picks it from any Region of the partition.
  const client = new OrganizationsClient(s.config(s.region));
  try {
    const r = await s.call('organizations:DescribeOrganization', () => client.send(new DescribeOrganizationCommand({})), 1);
    if (!r.ok) {
      if (r.failure.code === 'AWSOrganizationsNotInUseException')
        return { account, record: { what, from, status: 'absent', detail: 'the account is not a member of an organization' } };
      return {
        account,
        record: {
          what,
          from,
          status: 'unreadable',
          detail: `${describeFailure(r.failure, 'organizations:DescribeOrganization', s.ctx.settings)}; aws:PrincipalOrgID and aws:ResourceOrgID stay unknown (give --condition aws:PrincipalOrgID=o-…)`,
        },
      };
    }
    // An answer is read only after its shape is checked: an id that is not one is no id.
    const o = (r.value as { Organization?: { Id?: unknown; MasterAccountId?: unknown } }).Organization;
    const id = o?.Id;
    if (typeof id !== 'string' || !ORG_ID.test(id))
      return { account, record: { what, from, status: 'unreadable', detail: 'malformed response: no valid Organization.Id' } };
    // The management account, which SCPs and RCPs do not restrict; one that is not an account id is left out.
    const management = o?.MasterAccountId;
    return {
      account,
      id,
      ...(typeof management === 'string' && /^\d{12}$/.test(management) ? { managementAccount: management } : {}),
      record: { what, from, status: 'read', detail: id },
    };
  } finally {
    client.destroy();
  }
}
