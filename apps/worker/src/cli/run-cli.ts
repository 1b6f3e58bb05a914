/** A configuration problem: the CLI prints the message, which names the variable, and exits 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Runs a config reader, turning its error into a `ConfigError`. */
export function config<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * Runs a CLI's `main` and exits with its code. A `ConfigError` prints its message alone; any other
 * failure prints `<name> failed: …` and, if given, a hint on what to do next.
 */
export function runCli(name: string, main: () => Promise<number>, hint?: string): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        console.error(error.message);
      } else {
        console.error(`${name} failed: ${(error as Error).message}`);
        if (hint) console.error(hint);
      }
      process.exit(1);
    },
  );
}
