export { ConfigError, type ConfigProblem } from './config-error.js';
export { emptyAsUnset, envFlag, envInt } from './env-fields.js';
export { envKeys } from './env-keys.js';
export {
  DEFAULT_INSTANCE,
  INSTANCE_ID,
  INSTANCE_NAME,
  type InstanceSpec,
  type InstancesConfig,
  instancesEnv,
  instancesFromEnv,
  instanceVar,
  readInstanceVars,
} from './instances.js';
export { type EnvSource, parseEnv } from './parse-env.js';
export { pickEnv } from './pick-env.js';
