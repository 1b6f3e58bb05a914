import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { instancesEnv, instancesFromEnv, instanceVar, readInstanceVars } from './instances.js';
import { parseEnv } from './parse-env.js';

const schema = instancesEnv.transform((parsed, ctx) => instancesFromEnv(parsed, ctx));
const read = (env: Record<string, string>) => parseEnv(schema, env, 'test');
const problems = (env: Record<string, string>) => {
  try {
    read(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.key}: ${p.problem}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('instancesEnv', () => {
  it('is one default instance when CLERK_INSTANCES is unset', () => {
    expect(read({})).toEqual({
      instances: [{ name: 'default', id: undefined, schema: undefined }],
      named: false,
      allowlist: undefined,
    });
    expect(read({ CLERK_INSTANCE_ID: 'ins_abc' }).instances).toEqual([
      { name: 'default', id: 'ins_abc', schema: undefined },
    ]);
  });

  it('reads named instances with an optional schema, and the allowlist', () => {
    const config = read({
      CLERK_INSTANCES: 'prod:ins_P1, staging:ins_S1:clerk_staging',
      CLERK_INSTANCE_ALLOWLIST: 'ins_P1 ins_S1',
    });
    expect(config.named).toBe(true);
    expect(config.instances).toEqual([
      { name: 'prod', id: 'ins_P1', schema: undefined },
      { name: 'staging', id: 'ins_S1', schema: 'clerk_staging' },
    ]);
    expect([...(config.allowlist ?? [])]).toEqual(['ins_P1', 'ins_S1']);
  });

  it.each([
    ['Prod:ins_1', 'a name must be a lowercase identifier'],
    ['prod', 'is not a Clerk instance id'],
    ['prod:user_1', 'is not a Clerk instance id'],
    ['prod:ins_1:', 'expected name:ins_… or name:ins_…:schema'],
    ['prod:ins_1:a:b', 'expected name:ins_… or name:ins_…:schema'],
    ['prod:ins_1,prod:ins_2', 'names prod twice'],
    ['prod:ins_1,dev:ins_1', 'names ins_1 twice'],
    [' , ', 'lists no instance'],
  ])('refuses CLERK_INSTANCES=%j', (value, message) => {
    expect(problems({ CLERK_INSTANCES: value }).join('\n')).toContain(message);
  });

  it('never shows a secret pasted into the wrong variable', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const envs: Array<Record<string, string>> = [
      { CLERK_INSTANCES: secret },
      { CLERK_INSTANCES: `prod:${secret}` },
      { CLERK_INSTANCE_ID: secret },
      { CLERK_INSTANCE_ALLOWLIST: 'sk_live_abcdef' },
    ];
    for (const env of envs) {
      const message = problems(env).join('\n');
      expect(message).toMatch(/a value of \d+ characters/);
      expect(message).not.toContain('MfKQ');
      expect(message).not.toContain('abcdef');
    }
  });

  it('refuses contradictions, naming the variable', () => {
    expect(problems({ CLERK_INSTANCES: 'prod:ins_1', CLERK_INSTANCE_ID: 'ins_1' })).toEqual([
      expect.stringMatching(/^CLERK_INSTANCE_ID: is for the single-instance setup/),
    ]);
    expect(problems({ CLERK_INSTANCES: 'prod:ins_1,dev:ins_2', CLERK_INSTANCE_ALLOWLIST: 'ins_1' })).toEqual([
      'CLERK_INSTANCE_ALLOWLIST: leaves out ins_2, which CLERK_INSTANCES configures as dev',
    ]);
    expect(problems({ CLERK_INSTANCE_ID: 'ins_1', CLERK_INSTANCE_ALLOWLIST: 'ins_2' })).toEqual([
      'CLERK_INSTANCE_ALLOWLIST: leaves out ins_1, the CLERK_INSTANCE_ID: every event would be refused',
    ]);
    expect(problems({ CLERK_INSTANCE_ALLOWLIST: 'ins_1,nope' })).toEqual([
      'CLERK_INSTANCE_ALLOWLIST: "nope" is not a Clerk instance id (ins_…)',
    ]);
  });
});

describe('readInstanceVars', () => {
  const parse = (raw: string) => {
    if (!raw.startsWith('sk_')) throw new Error('must start with sk_');
    return raw.length;
  };
  const options = { processName: 'test', required: true };

  it('reads the unsuffixed variable for the default instance', () => {
    const config = read({});
    expect(readInstanceVars({ KEY: 'sk_123' }, config, 'KEY', parse, options)).toEqual(
      new Map([['default', 6]]),
    );
    expect(instanceVar('KEY', config.instances[0] ?? { name: '' }, false)).toBe('KEY');
  });

  it('reads one suffixed variable per named instance and lists every problem without values', () => {
    const config = read({ CLERK_INSTANCES: 'prod:ins_1,dev:ins_2,qa:ins_3' });
    expect(
      readInstanceVars(
        { KEY_PROD: 'sk_1', KEY_DEV: 'sk_22', KEY_QA: 'sk_333' },
        config,
        'KEY',
        parse,
        options,
      ),
    ).toEqual(
      new Map([
        ['prod', 4],
        ['dev', 5],
        ['qa', 6],
      ]),
    );
    let error: unknown;
    try {
      readInstanceVars({ KEY: 'sk_0', KEY_DEV: 'secret-value' }, config, 'KEY', parse, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('KEY: is ambiguous with CLERK_INSTANCES: set one per instance, e.g. KEY_PROD');
    expect(message).toContain('KEY_PROD: is required for instance prod');
    expect(message).toContain('KEY_DEV: must start with sk_');
    expect(message).not.toContain('secret-value');
  });

  it('leaves optional variables out of the map', () => {
    const config = read({ CLERK_INSTANCES: 'prod:ins_1,dev:ins_2' });
    const values = readInstanceVars({ KEY_DEV: 'sk_1' }, config, 'KEY', parse, {
      ...options,
      required: false,
    });
    expect([...values.keys()]).toEqual(['dev']);
  });
});
