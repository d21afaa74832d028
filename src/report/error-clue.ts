// The sentences for an error message's clue and the client that printed it.
import { findAction } from '../model/actions.js';
import { article, type ErrorClient, type ErrorClue } from '../model/error-clue.js';

export const CLIENT_LABEL: Record<ErrorClient, string> = {
  'aws-cli': 'AWS CLI',
  boto3: 'boto3 / botocore',
  'sdk-js-v3': 'AWS SDK for JavaScript v3',
  'sdk-java': 'AWS SDK for Java',
  'sdk-go-v2': 'AWS SDK for Go v2',
  json: 'JSON error body',
  lambda: 'Lambda (environment variables)',
  plain: 'bare message',
};

/** What the clue means, in one sentence for people. */
export function clueMeaning(clue: ErrorClue, action?: string): string {
  const a = action ?? 'the action';
  switch (clue.kind) {
    case 'no-allow':
      switch (clue.layer) {
        case 'resource-based policy':
          return `No resource-based policy allows ${a}: neither the key policy (naming the caller, or delegating to its account) nor a grant allowed the request.`;
        case 'identity-based policy':
          switch (action !== undefined ? findAction(action)?.cls : undefined) {
            case 'iam-only':
              return `No identity-based policy allows ${a}: ${a} is authorized by IAM policies alone, and no IAM policy of the caller allows it.`;
            case 'alias':
              return `No identity-based policy allows ${a}: no IAM policy of the caller allows it on the alias (authorized by IAM policies alone), or on the key, whose key policy lets IAM decide.`;
            default:
              return `No identity-based policy allows ${a}: the key policy lets IAM decide (or, cross-account, allows the caller's account), but no IAM policy of the caller allows it.`;
          }
        case 'permissions boundary':
          return `No permissions boundary allows ${a}: the caller's permissions boundary does not include it.`;
        case 'session policy':
          return `No session policy allows ${a}: the policy passed when the session was created does not include it.`;
        case 'service control policy':
          return `No service control policy allows ${a}: a level of the caller's SCP hierarchy does not allow it.`;
        case 'resource control policy':
          return `No resource control policy allows ${a}: a level of the key account's RCP hierarchy does not allow it.`;
        case 'VPC endpoint policy':
          return `No VPC endpoint policy allows ${a}: the request went through a VPC endpoint whose policy does not allow it.`;
      }
      break;
    case 'explicit-deny':
      return clue.layer === null
        ? `An explicit Deny blocked ${a} (the message does not say in which policy).`
        : `An explicit Deny in ${article(clue.layer)} ${clue.layer}${clue.policyArn ? ` (${clue.policyArn})` : ''} blocked ${a}.`;
    case 'not-authorized':
      return `The request was not authorized (the message does not say which policy layer denied it).`;
    case 'key-inaccessible':
      return 'KMS could not use the key of the ciphertext: it does not exist, is in another region, or the caller is not allowed to use it (KMS does not say which).';
    case 'key-state':
      return `The key's state refused ${a}: the key was ${clue.state} when the call was made. ${clue.errorCode} is a key-state error, not an access denial: it does not say whether the policies allowed the request.`;
  }
  return '';
}
