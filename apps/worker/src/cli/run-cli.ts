import { type Command, EXIT, UsageError } from './command.js';
import { safeMessage } from './safe-text.js';

/** A configuration problem: the CLI prints the message, which names the variable, and exits 2. */
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
 * Runs a subcommand and returns its exit code. A `UsageError` prints the message and the usage (2); a
 * `ConfigError` prints its message alone (2); any other failure prints `<name> failed: …` and, if the
 * command has one, a hint on what to do next (1). Messages lose their control characters.
 */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      console.error(`clerk-sync ${command.name}: ${safeMessage(message, false)}\n\n${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      console.error(safeMessage(message, true));
      return EXIT.usage;
    }
    console.error(`${command.name} failed: ${safeMessage(message, false)}`);
    if (command.hint) console.error(command.hint);
    return EXIT.failed;
  }
}
