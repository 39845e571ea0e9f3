import { describe, expect, it } from 'vitest';
import { matchSummary } from '../../src/search/relevance.ts';

describe('issue 18: the relevance summary in plain words', () => {
  it('"2 good matches", not "0 strong, 2 possible matches"', () => {
    expect(matchSummary(0, 2)).toBe('2 good matches');
    expect(matchSummary(0, 1)).toBe('1 good match');
    expect(matchSummary(3, 0)).toBe('3 strong matches');
    expect(matchSummary(1, 2)).toBe('1 strong and 2 good matches');
  });
});
