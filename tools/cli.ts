import { parseArgs } from 'node:util';

/** A command line that does not parse: the tools print the message and their usage, and exit 2. */
export class UsageError extends Error {}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;
export type Flags = Record<string, string | boolean | undefined>;

/** `--name value` / `--switch` flags via node:util parseArgs; unknown flags and missing values are usage errors. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Flags {
  try {
    return parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values as Flags;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}
