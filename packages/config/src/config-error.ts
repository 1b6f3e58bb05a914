/** One bad variable: its name and what is wrong with it, never its value. */
export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
}

/**
 * The configuration is invalid: the one error every process and command throws at start, listing
 * every bad variable at once so an operator fixes them in one round. Entry points print `message`
 * and exit non-zero; the problems never carry a variable's value, so a secret is never echoed.
 *
 * @example
 * new ConfigError('worker', [{ key: 'DB_POOL_SIZE', problem: 'must be a positive integer' }]).message
 * // 'invalid worker configuration:\n  DB_POOL_SIZE: must be a positive integer'
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** What was being configured, e.g. `ingest`, `worker`, `clerk-sync backfill`. */
  readonly processName: string;
  readonly problems: readonly ConfigProblem[];

  constructor(processName: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => (p.key ? `  ${p.key}: ${p.problem}` : `  ${p.problem}`));
    super(`invalid ${processName} configuration:\n${lines.join('\n')}`);
    this.processName = processName;
    this.problems = problems;
  }
}
