import { parseArgs } from 'node:util';
import { CodedError } from '../src/base/errors.ts';

/**
 * The tools' one command-line parser (node:util parseArgs, strict): `--name value`, `--switch`, positive whole
 * numbers (`--runs 5`) and, where a tool takes them, positional words. An unknown option, a missing value or a
 * number that is not a positive integer is a UsageError: the tools print its message and their usage, and exit 2.
 */
export class UsageError extends Error {}

/** What an option holds: a word, a switch, or a positive whole number. */
export type OptionKind = 'string' | 'boolean' | 'count';
export type OptionSpec = Record<string, OptionKind>;

/** The parsed options: switches are false when absent, words and numbers undefined. */
export type ParsedOptions<Spec extends OptionSpec> = {
  -readonly [Name in keyof Spec]: Spec[Name] extends 'boolean' ? boolean : Spec[Name] extends 'count' ? number | undefined : string | undefined;
};

export interface CommandLine<Spec extends OptionSpec> {
  options: ParsedOptions<Spec>;
  positionals: string[];
}

/** Parses `argv` (process.argv.slice(2)) against `spec`; positional words are refused unless `allowPositionals`. */
export function parseCommandLine<Spec extends OptionSpec>(argv: readonly string[], spec: Spec, allowPositionals = false): CommandLine<Spec> {
  const nodeSpec = Object.fromEntries(Object.entries(spec).map(([name, kind]) => [name, { type: kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: nodeSpec, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options: Record<string, string | boolean | number | undefined> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = parsed.values[name];
    options[name] = kind === 'boolean' ? value === true : kind === 'count' ? count(name, value as string | undefined) : value;
  }
  return { options: options as ParsedOptions<Spec>, positionals: parsed.positionals };
}

/** The options of a tool that takes no positional words. */
export function parseOptions<Spec extends OptionSpec>(argv: readonly string[], spec: Spec): ParsedOptions<Spec> {
  return parseCommandLine(argv, spec).options;
}

/** `value` of option `--name` as a positive whole number (undefined when absent); anything else is a UsageError. */
export function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`--${name} needs a positive integer, got ${value}`);
  return number;
}

/** `value` of option `--name` as positive whole numbers separated by commas. */
export function countList(name: string, value: string): number[] {
  const numbers = value.split(',').map(Number);
  if (!numbers.every((n) => Number.isInteger(n) && n > 0)) throw new UsageError(`--${name} needs positive integers separated by commas, got ${value}`);
  return numbers;
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;
export type Flags = Record<string, string | boolean | undefined>;

/** The same parser in node:util's own spec form (for tools that read their flags as a record). */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Flags {
  return parseOptions(argv, Object.fromEntries(Object.entries(spec).map(([name, { type }]) => [name, type]))) as Flags;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Runs a tool's `main` on its command line. A UsageError prints "<name>: <message>" (and `usage`) and exits 2;
 * a coded error (bad input, e.g. a corpus file: it says what was wrong and where) prints its message and exits 1;
 * anything else prints its stack and exits 1.
 */
export function runTool(name: string, main: (argv: string[]) => Promise<unknown>, usage?: string): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) console.error(`${name}: ${error.message}${usage ? `\n${usage}` : ''}`);
    else if (error instanceof CodedError) console.error(`${name}: ${error.message}`);
    else console.error(error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
