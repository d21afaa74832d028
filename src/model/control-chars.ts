// The characters that no line of a report may carry raw and that no IAM or STS name holds. They are
// C0 controls, DEL and C1 controls (U+009B is a one-byte CSI on some terminals), the line and
// paragraph separators, the bidirectional marks (U+061C among them), embeddings, overrides and
// isolates, and the invisible zero-width space, word joiner and byte-order mark (U+200B, U+2060,
// U+FEFF; the zero-width joiners of emoji sequences are left alone). An escape sequence could
// recolour text or rewrite a line. A newline could forge one. A bidi override could reorder what is
// shown. An invisible character makes two names that differ look the same. IAM names are
// `[\w+=,.@-]` (IAM User Guide, "IAM object quotas and names"). This one definition serves
// report/escape.ts, parsePrincipal (model/arn.ts) and --redact's reading of ARN values.

const C0_BUT_LAYOUT = '\\u0000-\\u0008\\u000b-\\u001f';
const REST = '\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060\\u2066-\\u2069\\ufeff';

/** The characters, as the body of a regular-expression character class. */
export const CONTROL_CLASS = `\\u0000-\\u001f${REST}`;

/** CONTROL_CLASS without `\t` and `\n`: the characters of a laid-out text that are never kms-why's own. */
export const CONTROL_CLASS_BUT_LAYOUT = `${C0_BUT_LAYOUT}${REST}`;

const ANY = new RegExp(`[${CONTROL_CLASS}]`);

/** Whether `text` holds one of the characters. */
export function hasControlChar(text: string): boolean {
  return ANY.test(text);
}
