// LiveCodeBench test cases: public_test_cases is a JSON list of {input, output, testtype}; private_test_cases
// is that JSON as well, or (in the released files) base64 → zlib → pickle of the JSON text. The pickle is read by
// a tiny reader that accepts only a pickled str: no object is ever constructed from it, so nothing executes.
import { inflateSync } from 'node:zlib';

/** The JSON text inside a compressed private_test_cases field. Throws Error naming what is wrong. */
export function decodePrivateTests(field: string): string {
  const trimmed = field.trimStart();
  if (trimmed.startsWith('[')) return field; // already plain JSON
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.from(field, 'base64'));
  } catch (err) {
    throw new Error(`neither JSON nor base64 of zlib data (${(err as Error).message})`);
  }
  return unpickleString(raw);
}

/** A pickle (any protocol) whose only object is a str. Anything else is refused, never executed. */
export function unpickleString(data: Buffer): string {
  let i = 0;
  let value: string | undefined;
  const need = (n: number) => {
    if (i + n > data.length) throw new Error('pickle: truncated');
  };
  const line = () => {
    const end = data.indexOf(0x0a, i);
    if (end < 0) throw new Error('pickle: truncated');
    return end;
  };
  for (;;) {
    need(1);
    const op = data[i++]!;
    switch (op) {
      case 0x80: need(1); i += 1; break; // PROTO n
      case 0x95: need(8); i += 8; break; // FRAME len
      case 0x94: break; // MEMOIZE
      case 0x8c: { need(1); const n = data[i]!; i += 1; need(n); value = data.toString('utf8', i, i + n); i += n; break; } // SHORT_BINUNICODE
      case 0x58: { need(4); const n = data.readUInt32LE(i); i += 4; need(n); value = data.toString('utf8', i, i + n); i += n; break; } // BINUNICODE
      case 0x8d: { need(8); const n = Number(data.readBigUInt64LE(i)); i += 8; need(n); value = data.toString('utf8', i, i + n); i += n; break; } // BINUNICODE8
      case 0x71: need(1); i += 1; break; // BINPUT
      case 0x72: need(4); i += 4; break; // LONG_BINPUT
      case 0x56: { const end = line(); value = rawUnicodeEscape(data.subarray(i, end)); i = end + 1; break; } // UNICODE (protocol 0)
      case 0x70: i = line() + 1; break; // PUT (protocol 0)
      case 0x2e: // STOP
        if (value === undefined) throw new Error('pickle: no string in it');
        return value;
      default:
        throw new Error(`pickle: opcode 0x${op.toString(16)} at byte ${i - 1} is not part of a pickled str (refused)`);
    }
  }
}

/** Python's raw-unicode-escape codec: \uXXXX and \UXXXXXXXX escapes, every other byte is Latin-1. */
function rawUnicodeEscape(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string, u8: string) =>
    String.fromCodePoint(parseInt(u4 ?? u8, 16)));
}
