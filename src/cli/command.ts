/**
 * What every `regent` subcommand shares: its help text, strict argument parsing (an unknown flag
 * or a stray argument is a usage error, exit 2) and the exit codes. A subcommand module exports
 * one {@link Command}; src/cli/main.ts dispatches to it.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** Exit codes every subcommand uses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** One subcommand: `regent <path...> [flags]`. */
export interface Command {
  /** The words after `regent`, e.g. `['audit', 'verify']`. */
  readonly path: readonly string[];
  /** The full `--help` text: usage line, flags, exit codes. */
  readonly help: string;
  /** Runs with the arguments after the command's path; resolves with the exit code. */
  run(argv: string[]): Promise<number>;
}

/** A mistake in how the command was called: printed with a pointer to `--help`, exit 2. */
export class UsageError extends Error {}

/**
 * Parses `argv` strictly against `options` (plus `--help`/`-h`, which throws
 * {@link HelpRequested}). Positionals are refused unless `positionals` allows that many; any
 * other mistake throws {@link UsageError} with node's own message.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  argv: string[],
  options: T,
  positionals: { min: number; max: number } = { min: 0, max: 0 },
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: positionals.max > 0,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested();
  if (parsed.positionals.length < positionals.min)
    throw new UsageError(`missing argument${positionals.min > 1 ? 's' : ''}`);
  if (parsed.positionals.length > positionals.max)
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max] as string}'`);
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Whole-number flag value, or a usage error naming the flag. */
export function wholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} wants a whole number, not '${value}'`);
  return Number(value);
}

/**
 * Runs a command body with the shared error handling: `--help` prints the help (exit 0), a
 * {@link UsageError} prints what was wrong and where the help is (exit 2), any other error prints
 * `regent <command>: <message>` and exits with `failureCode`.
 */
export async function runCommand(
  command: Pick<Command, 'path' | 'help'>,
  body: () => Promise<number>,
  failureCode: number = EXIT.failed,
): Promise<number> {
  const name = `regent ${command.path.join(' ')}`;
  try {
    return await body();
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(command.help);
      return EXIT.ok;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\n${usageLine(command.help)}\nSee '${name} --help'.\n`);
      return EXIT.usage;
    }
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return failureCode;
  }
}

/** Thrown by a command body on `--help`, so the help is printed by {@link runCommand}. */
export class HelpRequested extends Error {}

/** The first line of a help text (its usage line). */
function usageLine(help: string): string {
  return help.split('\n')[0] ?? '';
}
