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

/**
 * The benchmarks' option check: every `--flag` in argv must be known, else a UsageError naming it. Returns a
 * reader of positive-integer options (`--runs 5`), which gives `fallback` when the option is absent.
 */
export function benchOptions(argv: readonly string[], known: readonly string[]): (flag: string, fallback: number) => number {
  const unknown = argv.find((a) => a.startsWith('--') && !known.includes(a));
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  return (flag, fallback) => {
    const i = argv.indexOf(flag);
    const value = i < 0 ? fallback : Number(argv[i + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new UsageError(`${flag} needs a positive integer${i < 0 ? '' : `, got ${argv[i + 1]}`}`);
    return value;
  };
}
