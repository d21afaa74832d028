// Names kms-why writes into a command for the user to replace (a placeholder, not an entity of the
// account): `--redact` leaves them as they are, so that one is never mistaken for a redacted name.

/** The role a `lambda` fix command switches the function to for a moment (lambda-phrases.ts). */
export const FILL_IN_ROLE = 'TEMPORARY_ROLE';
