// The markers of one paged list (NextMarker, Marker, NextToken). AWS hands out a new one with every
// truncated page; one handed out before means the list goes round in a circle (m1 → m2 → m1 …):
// no amount of paging ends it, and the answer is malformed at once rather than after MAX_PAGES
// calls (a 2-cycle of ListGrants made 10,000 calls before).

export class PageMarkers {
  private readonly seen = new Set<string>();

  constructor(start?: string) {
    if (start !== undefined) this.seen.add(start);
  }

  /** Whether `next` is a marker to go on with: given, not empty, and not seen before (it is remembered). */
  fresh(next: string | null | undefined): next is string {
    if (next === undefined || next === null || next === '' || this.seen.has(next)) return false;
    this.seen.add(next);
    return true;
  }
}
