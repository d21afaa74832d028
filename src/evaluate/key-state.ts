// The key-state and key-usage errors are a table of data in model/key-state.ts; this keeps the
// older import path working for the analyses and the command line.
export { aliasRequestError, dependsOnKeyState, keyStateDoubt, keyStateError, keyUsageError } from '../model/key-state.js';
