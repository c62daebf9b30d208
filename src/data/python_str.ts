// Python's str() of a JSON value, as verl applies it to a ground truth's inputs and outputs
// (`str(stdin_data)`, `str(expected_output)`). Parsing keeps what JSON.parse loses and str() shows:
// 1.0 stays a float ("1.0"), big integers keep every digit.

/** A parsed JSON value with Python's number types. */
export type PyValue =
  | null
  | boolean
  | string
  | { int: bigint }
  | { float: number }
  | PyValue[]
  | { dict: Array<[string, PyValue]> };

/** json.loads: throws SyntaxError (with the offset) on invalid JSON. */
export function parsePyJson(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: Array<[string, PyValue]> = [];
      ws();
      if (text[i] === '}') return i++, { dict: entries };
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = str();
        ws();
        if (text[i++] !== ':') fail("expected ':'");
        const v = value();
        const at = entries.findIndex(([k]) => k === key); // later duplicates win, in the first one's place
        if (at >= 0) entries[at] = [key, v];
        else entries.push([key, v]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') return i++, { dict: entries };
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: PyValue[] = [];
      ws();
      if (text[i] === ']') return i++, items;
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') return i++, items;
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null], ['NaN', { float: NaN }],
      ['Infinity', { float: Infinity }], ['-Infinity', { float: -Infinity }]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), v;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected character');
    i += m![0].length;
    return m![2] || m![3] ? { float: Number(m![0]) } : { int: BigInt(m![0]) };
  };
  const str = (): string => {
    const end = scanString(text, i);
    if (end < 0) fail('unterminated string');
    const s = JSON.parse(text.slice(i, end + 1)) as string;
    i = end + 1;
    return s;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('extra data');
  return v;
}

function scanString(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return j;
  }
  return -1;
}

/** A value read by JSON.parse or a parquet reader (no int/float distinction: integral numbers count as int). */
export function fromJs(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: BigInt(v) } : { float: v };
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === 'object') return { dict: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)]) };
  throw new TypeError(`not a JSON value: ${typeof v}`);
}

/** str(value) in Python. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** repr(value) in Python. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if ('int' in v) return v.int.toString();
  if ('float' in v) return reprFloat(v.float);
  return `{${v.dict.map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Python's str repr: single quotes unless the text has ' and no ", escapes for control and non-printable characters. */
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (!isPrintable(cp)) out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's str.isprintable for one code point (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs except space). */
function isPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(String.fromCodePoint(cp));
}

/** json.dumps(value) with Python's defaults (", " and ": " separators, ensure_ascii, floats as repr). */
export function pyJsonDumps(v: PyValue): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(', ')}]`;
  if ('int' in v) return v.int.toString();
  if ('float' in v) return Number.isNaN(v.float) ? 'NaN' : !Number.isFinite(v.float) ? (v.float > 0 ? 'Infinity' : '-Infinity') : reprFloat(v.float);
  return `{${v.dict.map(([k, x]) => `${pyJsonDumps(k)}: ${pyJsonDumps(x)}`).join(', ')}}`;
}

/** What verl's call wrapper prints for a returned value: json.dumps for dict/list/tuple/None/bool, str() otherwise. */
export function verlPrinted(v: PyValue): string {
  if (v === null || typeof v === 'boolean' || Array.isArray(v) || (typeof v === 'object' && 'dict' in v)) return pyJsonDumps(v);
  return pyStr(v);
}
