import { envKeys, parseEnv } from '@clerk-sync/config';
import { describe, expect, it } from 'vitest';
import { defaultPrivacy } from './privacy.js';
import { privacyEnv, privacyOptionsFromEnv } from './privacy-env.js';

const read = (env: Record<string, string | undefined>) =>
  privacyOptionsFromEnv(parseEnv(privacyEnv, env, 'test'));

describe('privacyEnv', () => {
  it('defaults to minimal storage and anonymising deletes', () => {
    expect(read({})).toEqual(defaultPrivacy);
    expect(read({ STORE_PHONE_NUMBERS: '', USER_DELETION: ' ' })).toEqual(defaultPrivacy);
  });

  it('reads flags in any case with spaces around, and the deletion mode', () => {
    expect(read({ STORE_PHONE_NUMBERS: 'true', USER_DELETION: 'hard' })).toMatchObject({
      storePhoneNumbers: true,
      userDeletion: 'hard',
    });
    expect(
      read({
        STORE_PRIVATE_METADATA: ' TRUE ',
        STORE_PHONE_NUMBERS: 'False',
        STORE_EXTERNAL_ACCOUNTS: 'true',
        STORE_WEB3_WALLETS: 'true',
        STORE_MESSAGE_CONTENT: 'true',
        USER_DELETION: ' anonymize ',
      }),
    ).toEqual({
      storePrivateMetadata: true,
      storePhoneNumbers: false,
      storeExternalAccounts: true,
      storeWeb3Wallets: true,
      storeMessageContent: true,
      userDeletion: 'anonymize',
    });
  });

  it('refuses bad values with the variable name, all in one error', () => {
    expect(() => read({ STORE_PHONE_NUMBERS: 'yes' })).toThrow(
      /STORE_PHONE_NUMBERS: must be true or false, got "yes"/,
    );
    expect(() => read({ USER_DELETION: 'shred' })).toThrow(/USER_DELETION: must be anonymize or hard/);
    expect(() => read({ STORE_WEB3_WALLETS: '1', USER_DELETION: 'shred' })).toThrow(
      /STORE_WEB3_WALLETS: .*\n {2}USER_DELETION: /,
    );
  });

  it('lists every variable it reads', () => {
    expect(envKeys(privacyEnv)).toEqual([
      'STORE_PRIVATE_METADATA',
      'STORE_PHONE_NUMBERS',
      'STORE_EXTERNAL_ACCOUNTS',
      'STORE_WEB3_WALLETS',
      'STORE_MESSAGE_CONTENT',
      'USER_DELETION',
    ]);
  });
});
