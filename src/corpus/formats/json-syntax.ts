/**
 * Where a JSON text stops being JSON, and what was expected there, independent of the JavaScript engine: V8 says
 * "Unexpected token 'x', "…" is not valid JSON" with no position at all for some errors, Firefox counts lines
 * and columns, Safari neither. Called only after JSON.parse has failed, so it need not be fast, just linear.
 */
export interface JsonSyntaxError {
  /** Offset (0-based) of the first character that cannot be part of the JSON text. */
  offset: number;
  expected: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const MAX_DEPTH = 2000;

export function findJsonError(source: string, start = 0, end = source.length): JsonSyntaxError | null {
  let i = start;
  let depth = 0;
  const ws = () => {
    while (i < end) {
      const c = source.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (expected: string): never => {
    throw new Stop(i, expected);
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (source[i + k] !== word[k] || i + k >= end) {
        i += k;
        fail(`"${word}"`);
      }
    }
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    while (i < end) {
      const c = source.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('a closing \'"\' (a line break or control character inside a string must be escaped)');
      if (c === 0x5c) {
        const e = source[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
            i += 2;
            fail('four hex digits after \\u');
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e) && i + 1 < end) {
          i += 2;
        } else {
          i++;
          fail('an escape such as \\" \\\\ \\n or \\u00e9 after the backslash');
        }
      } else {
        i++;
      }
    }
    fail('a closing \'"\'');
  };
  const digits = () => {
    const from = i;
    while (i < end && source.charCodeAt(i) >= 0x30 && source.charCodeAt(i) <= 0x39) i++;
    if (i === from) fail('a digit');
  };
  const number = () => {
    if (source[i] === '-') i++;
    if (source[i] === '0') i++;
    else digits();
    if (source[i] === '.') {
      i++;
      digits();
    }
    if (source[i] === 'e' || source[i] === 'E') {
      i++;
      if (source[i] === '+' || source[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    if (i >= end) fail('a value');
    const c = source[i];
    if (c === '{') {
      if (++depth > MAX_DEPTH) fail('less deeply nested JSON');
      i++;
      ws();
      if (source[i] === '}' && i < end) {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (source[i] !== '"' || i >= end) fail('a property name in double quotes');
        string();
        ws();
        if (source[i] !== ':' || i >= end) fail("':' after the property name");
        i++;
        value();
        ws();
        if (source[i] === ',' && i < end) {
          i++;
          continue;
        }
        if (source[i] === '}' && i < end) {
          i++;
          depth--;
          return;
        }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      if (++depth > MAX_DEPTH) fail('less deeply nested JSON');
      i++;
      ws();
      if (source[i] === ']' && i < end) {
        i++;
        depth--;
        return;
      }
      for (;;) {
        value();
        ws();
        if (source[i] === ',' && i < end) {
          i++;
          continue;
        }
        if (source[i] === ']' && i < end) {
          i++;
          depth--;
          return;
        }
        fail("',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    fail('a value (an object, array, string, number, true, false or null)');
  };
  try {
    value();
    ws();
    if (i < end) fail('the end of the JSON text');
    return null;
  } catch (error) {
    if (error instanceof Stop) return { offset: error.offset, expected: error.expected };
    return null; // stack overflow on absurd nesting: no position to offer
  }
}

/** What is at an offset, in words for a message: `"x"`, `the end of the line`. */
export function describeAt(source: string, offset: number, end = source.length, endWords = 'the end of the file'): string {
  if (offset >= end) return endWords;
  const c = source[offset];
  if (c === '\n' || c === '\r') return 'a line break';
  const word = source.slice(offset, Math.min(end, offset + 12)).match(/^(\w+|\S)/);
  const found = word ? word[1] : c;
  return found.includes('"') ? `'${found}'` : `"${found}"`;
}
