/**
 * What the copy keeps. By default: no private metadata, phone numbers, external accounts, web3
 * wallets, or message recipients and content; and deleted users are anonymised (tombstone row with
 * personal columns cleared). Each can be turned on where a team has a lawful reason to hold it.
 */
export interface PrivacyOptions {
  storePrivateMetadata: boolean;
  storePhoneNumbers: boolean;
  storeExternalAccounts: boolean;
  storeWeb3Wallets: boolean;
  /** Recipient address, subject and body of `email.created` / `sms.created`. */
  storeMessageContent: boolean;
  /** `anonymize` keeps a scrubbed tombstone row; `hard` removes it and keeps only `tombstones`. */
  userDeletion: 'anonymize' | 'hard';
}

export const defaultPrivacy: PrivacyOptions = {
  storePrivateMetadata: false,
  storePhoneNumbers: false,
  storeExternalAccounts: false,
  storeWeb3Wallets: false,
  storeMessageContent: false,
  userDeletion: 'anonymize',
};
