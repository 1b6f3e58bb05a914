import { z } from 'zod';
import { defaultPrivacy, type PrivacyOptions } from './privacy.js';

/** `true` or `false`, any case, spaces around ignored; unset or empty means `fallback`. */
function flag(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim().toLowerCase();
      if (value === undefined || value === '') return fallback;
      if (value === 'true' || value === 'false') return value === 'true';
      ctx.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(raw)}` });
      return z.NEVER;
    });
}

/**
 * What the copy keeps (see {@link PrivacyOptions}): `STORE_*` turn on columns that are off by
 * default, `USER_DELETION` picks anonymised tombstones or hard deletes. Compose it into a process's
 * schema and turn the result into {@link PrivacyOptions} with {@link privacyOptionsFromEnv}.
 */
export const privacyEnv = z.object({
  STORE_PRIVATE_METADATA: flag(defaultPrivacy.storePrivateMetadata),
  STORE_PHONE_NUMBERS: flag(defaultPrivacy.storePhoneNumbers),
  STORE_EXTERNAL_ACCOUNTS: flag(defaultPrivacy.storeExternalAccounts),
  STORE_WEB3_WALLETS: flag(defaultPrivacy.storeWeb3Wallets),
  STORE_MESSAGE_CONTENT: flag(defaultPrivacy.storeMessageContent),
  USER_DELETION: z
    .string()
    .optional()
    .transform((raw, ctx): PrivacyOptions['userDeletion'] => {
      const value = raw?.trim();
      if (!value) return defaultPrivacy.userDeletion;
      if (value === 'anonymize' || value === 'hard') return value;
      ctx.addIssue({ code: 'custom', message: `must be anonymize or hard, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }),
});

export type PrivacyEnv = z.output<typeof privacyEnv>;

/** The {@link PrivacyOptions} that `applyEvents`, the backfill and reconcile take, from the parsed variables. */
export function privacyOptionsFromEnv(env: PrivacyEnv): PrivacyOptions {
  return {
    storePrivateMetadata: env.STORE_PRIVATE_METADATA,
    storePhoneNumbers: env.STORE_PHONE_NUMBERS,
    storeExternalAccounts: env.STORE_EXTERNAL_ACCOUNTS,
    storeWeb3Wallets: env.STORE_WEB3_WALLETS,
    storeMessageContent: env.STORE_MESSAGE_CONTENT,
    userDeletion: env.USER_DELETION,
  };
}
