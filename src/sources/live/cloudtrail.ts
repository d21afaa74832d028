// `kms-why explain-event --lookup`: recent KMS AccessDenied events from CloudTrail's event history
// (LookupEvents), as `aws cloudtrail lookup-events` prints them, for sources/cloudtrail.ts to read.
// The CloudTrail client is loaded only here.
//
// LookupEvents takes one lookup attribute per call; EventSource=kms.amazonaws.com keeps the pages
// to KMS events, and the principal and key are filtered here. Event history covers management
// events of the last 90 days in the Region of the client
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html); it is
// paged with NextToken, at most 50 events a page, and AWS allows 2 LookupEvents calls a second per
// account and Region (the adaptive retries of aws.ts absorb throttling).
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { AwsError } from '../../model/errors.js';
import { describeFailure } from './aws.js';
import { plain } from './failures.js';
import { PageMarkers } from './paging.js';
import { openSession, type LiveOptions } from './index.js';

export interface LookupOptions {
  /** Events at or after this time. */
  since: Date;
  /** Events before this time (default now). */
  until?: Date;
  /** Stop after this many KMS events (default 5000): a safety net for very busy accounts. */
  maxEvents?: number;
}

export interface LookupResult {
  /** `{"Events": [...]}`, the shape of `aws cloudtrail lookup-events` output. */
  output: { Events: unknown[] };
  region: string;
  pages: number;
  /** True when maxEvents stopped the paging before the last page. */
  truncated: boolean;
  calls: number;
}

const MAX_PAGES = 10_000;

/**
 * Pages LookupEvents for KMS events in the time window. Throws AwsError (exit 3) naming
 * cloudtrail:LookupEvents when AWS refuses or does not answer: without events there is nothing to
 * explain.
 */
export async function lookupKmsEvents(lookup: LookupOptions, opts: LiveOptions = {}): Promise<LookupResult> {
  const { ctx, main, region } = await openSession(opts);
  const client = new CloudTrailClient(main.config(region));
  const max = lookup.maxEvents ?? 5000;
  const events: unknown[] = [];
  let token: string | undefined;
  const tokens = new PageMarkers();
  let pages = 0;
  let truncated = false;
  try {
    do {
      ctx.say(`reading CloudTrail event history (${region}): ${events.length.toLocaleString('en-US')} KMS events…`);
      const input = {
        LookupAttributes: [{ AttributeKey: 'EventSource' as const, AttributeValue: 'kms.amazonaws.com' }],
        StartTime: lookup.since,
        ...(lookup.until !== undefined ? { EndTime: lookup.until } : {}),
        MaxResults: 50,
        ...(token !== undefined ? { NextToken: token } : {}),
      };
      const r = await main.call('cloudtrail:LookupEvents', () => client.send(new LookupEventsCommand(input)));
      if (ctx.fatal !== undefined) throw ctx.fatal;
      if (!r.ok) {
        throw new AwsError(`cannot read CloudTrail event history in ${region}: ${describeFailure(r.failure, 'cloudtrail:LookupEvents', ctx.settings)}`, {
          operation: 'LookupEvents',
          hint:
            r.failure.kind === 'access-denied'
              ? 'kms-why needs cloudtrail:LookupEvents (in the Region of the events: --region). Or give the events as a file: aws cloudtrail lookup-events … > events.json; kms-why explain-event events.json --all.'
              : 'Try again, or give the events as a file (aws cloudtrail lookup-events … > events.json).',
        });
      }
      const page = r.value;
      // Every answer carries its Events list, empty or not: without one (an empty or foreign 200
      // body) the page is not a page without events.
      if (!Array.isArray(page.Events)) {
        throw new AwsError(`malformed LookupEvents answer: ${page.Events === undefined ? 'no Events list' : 'Events is not a list'}`, {
          operation: 'LookupEvents',
        });
      }
      for (const e of page.Events) events.push(plain(e));
      pages++;
      const next = typeof page.NextToken === 'string' && page.NextToken !== '' ? page.NextToken : undefined;
      if (next !== undefined && !tokens.fresh(next))
        throw new AwsError('malformed LookupEvents answer: the same NextToken again', { operation: 'LookupEvents' });
      token = next;
      if (events.length >= max && token !== undefined) {
        truncated = true;
        break;
      }
    } while (token !== undefined && pages < MAX_PAGES);
  } finally {
    client.destroy();
    main.destroy();
  }
  return { output: { Events: events }, region, pages, truncated, calls: ctx.calls };
}
