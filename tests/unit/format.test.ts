import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, percent } from '../../src/app/format.ts';

describe('formatDuration', () => {
  it('rounds to whole seconds first, so no part ever reads 60', () => {
    expect(formatDuration(59.4)).toBe('59 s');
    expect(formatDuration(59.5)).toBe('1 min 0 s'); // was "60 s"
    expect(formatDuration(119.6)).toBe('2 min 0 s'); // was "1 min 60 s"
    expect(formatDuration(3599.6)).toBe('1 h 0 min');
    expect(formatDuration(86_399.5)).toBe('1 day 0 h');
  });

  it('seconds, minutes and seconds, hours and minutes, days and hours', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(60)).toBe('1 min 0 s');
    expect(formatDuration(61)).toBe('1 min 1 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3600)).toBe('1 h 0 min');
    expect(formatDuration(2 * 3600 + 5 * 60 + 59)).toBe('2 h 5 min');
    expect(formatDuration(27 * 3600)).toBe('1 day 3 h');
    expect(formatDuration(48 * 3600)).toBe('2 days 0 h');
    expect(formatDuration(10 * 86_400 + 23 * 3600 + 3599)).toBe('10 days 23 h');
  });

  it('unknown durations (NaN, infinite, negative) read "…"', () => {
    for (const value of [NaN, Infinity, -Infinity, -1]) expect(formatDuration(value)).toBe('…');
  });
});

describe('formatBytes and percent', () => {
  it('B, KB, MB', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024), formatBytes(10.5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '5.0 MB', '10.5 GB']);
  });

  it('percent is clamped and 0 without a total', () => {
    expect([percent(1, 4), percent(5, 4), percent(3, 0)]).toEqual([25, 100, 0]);
  });
});
