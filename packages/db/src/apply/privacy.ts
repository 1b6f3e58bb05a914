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

const flags = {
  STORE_PRIVATE_METADATA: 'storePrivateMetadata',
  STORE_PHONE_NUMBERS: 'storePhoneNumbers',
  STORE_EXTERNAL_ACCOUNTS: 'storeExternalAccounts',
  STORE_WEB3_WALLETS: 'storeWeb3Wallets',
  STORE_MESSAGE_CONTENT: 'storeMessageContent',
} as const;

/** Reads `STORE_*` (true/false) and `USER_DELETION` (anonymize|hard); throws naming a bad value. */
export function readPrivacyOptions(env: Record<string, string | undefined>): PrivacyOptions {
  const options: PrivacyOptions = { ...defaultPrivacy };
  for (const [name, key] of Object.entries(flags)) {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') continue;
    if (raw !== 'true' && raw !== 'false')
      throw new Error(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
    options[key] = raw === 'true';
  }
  const deletion = env.USER_DELETION?.trim();
  if (deletion) {
    if (deletion !== 'anonymize' && deletion !== 'hard') {
      throw new Error(`USER_DELETION must be anonymize or hard, got ${JSON.stringify(deletion)}`);
    }
    options.userDeletion = deletion;
  }
  return options;
}
