// Values of IP-address, date, numeric and Bool conditions, read strictly (the addresses by the
// platform): shared by the policy parser (which refuses malformed ones) and the evaluator.
import { isIP } from 'node:net';

/** An IPv4 or IPv6 address or CIDR block, read by the platform (node:net); null when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | null {
  const t = text.trim();
  const slash = t.indexOf('/');
  const address = slash < 0 ? t : t.slice(0, slash);
  const v = isIP(address);
  if (v === 0) return null;
  const width = v === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > width) return null;
  }
  return { address, prefix, type: v === 4 ? 'ipv4' : 'ipv6' };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A date as IAM reads it: ISO 8601 (date, or date and time) or epoch seconds. Read strictly and
 * never in the machine's time zone: a time without an offset is UTC (assumption dateWithoutOffset).
 * Returns epoch milliseconds, or null for anything else.
 */
export function parseDate(s: string): number | null {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000; // epoch seconds
  const m = ISO_DATE.exec(t);
  if (m === null) return null;
  const [, y, mo, d, h, mi, sec, frac, off] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h ?? 0),
    minute = Number(mi ?? 0),
    second = Number(sec ?? 0);
  // 24:00 (the end of a day) is a time; 24:30 and a 60th second are not (Date.UTC rolls them over).
  if (month < 1 || month > 12 || day < 1 || hour > 24 || minute > 59 || second > 59) return null;
  if (hour === 24 && (minute !== 0 || second !== 0 || (frac !== undefined && /[1-9]/.test(frac)))) return null;
  const ms = frac !== undefined ? Number(`0.${frac}`) * 1000 : 0;
  let utc = Date.UTC(year, month - 1, day, hour, minute, second) + ms;
  // Day 31 of a 30-day month rolls over in Date.UTC: refuse it.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  if (off !== undefined && off.toUpperCase() !== 'Z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2)),
      om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return null;
    utc -= sign * (oh * 60 + om) * 60_000;
  }
  return utc;
}

/** Whether a date text has a time without an offset (read as UTC, and said so). */
export function dateLacksOffset(s: string): boolean {
  const m = ISO_DATE.exec(s.trim());
  return m !== null && m[4] !== undefined && m[8] === undefined;
}

/**
 * A number as a numeric condition reads it: an integer or a decimal, with an optional sign
 * ("integer or decimal value", IAM's numeric condition operators). Not JavaScript's Number():
 * "0x100", "1e3", " 7 " and "" are not numbers here. null for anything else.
 */
export function parseNumber(s: string): number | null {
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** A Bool condition value: "true" or "false", in any case (the evaluator compares them so). */
export function isBoolValue(s: string): boolean {
  const l = s.toLowerCase();
  return l === 'true' || l === 'false';
}
