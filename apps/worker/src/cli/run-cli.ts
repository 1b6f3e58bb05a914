import { ConfigError, type EnvSource } from '@clerk-sync/config';
import { type Command, EXIT, UsageError } from './command.js';
import { safeMessage } from './safe-text.js';

/**
 * Runs a subcommand and returns its exit code. A `UsageError` prints the message and the usage (2); a
 * `ConfigError` prints its message alone (2); any other failure prints `<name> failed: …` and, if the
 * command has one, a hint on what to do next (1). Messages lose their control characters.
 */
export async function runCommand(command: Command, args: string[], env: EnvSource): Promise<number> {
  try {
    return await command.run(args, env);
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
