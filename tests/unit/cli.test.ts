import { describe, expect, it } from 'vitest';
import { countList, parseCommandLine, parseFlags, parseOptions, UsageError } from '../../tools/cli.ts';

describe('tools/cli.ts: the one option parser of the tools', () => {
  const spec = { json: 'boolean', runs: 'count', data: 'string' } as const;

  it('reads switches, words and positive whole numbers; absent switches are false, the rest undefined', () => {
    expect(parseOptions(['--json', '--runs', '4', '--data', 'x/y'], spec)).toEqual({ json: true, runs: 4, data: 'x/y' });
    expect(parseOptions([], spec)).toEqual({ json: false, runs: undefined, data: undefined });
  });

  it('refuses unknown options, missing values, bad numbers and stray words with a UsageError naming them', () => {
    expect(() => parseOptions(['--bogus'], spec)).toThrow(UsageError);
    expect(() => parseOptions(['--bogus'], spec)).toThrow(/--bogus/);
    expect(() => parseOptions(['--data'], spec)).toThrow(/--data/);
    expect(() => parseOptions(['--runs', '0'], spec)).toThrow('--runs needs a positive integer, got 0');
    expect(() => parseOptions(['--runs', '2.5'], spec)).toThrow('--runs needs a positive integer, got 2.5');
    expect(() => parseOptions(['fusion'], spec)).toThrow(UsageError);
    expect(() => countList('sizes', '5,x')).toThrow('--sizes needs positive integers separated by commas, got 5,x');
  });

  it('gives positional words to the tools that take them, and keeps the record form for the older callers', () => {
    expect(parseCommandLine(['fusion', '--json'], spec, true)).toEqual({ options: { json: true, runs: undefined, data: undefined }, positionals: ['fusion'] });
    expect(parseFlags(['--data', 'd'], { data: { type: 'string' }, json: { type: 'boolean' } })).toEqual({ data: 'd', json: false });
    expect(countList('sweep', '16,32')).toEqual([16, 32]);
  });
});
