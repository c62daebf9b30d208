// The schema-built option parser: coercion by type, lists, booleans, positionals, help and errors naming the flag.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSchemaArgs, parseSchemaArgv, schemaHelp } from '../../src/cli/schema_options.js';

const schema = z.strictObject({
  name: z.string({ error: 'is required' }).describe('a name'),
  count: z.number().int().min(1).default(3).describe('how many'),
  mode: z.enum(['fast', 'slow']).default('fast').describe('speed'),
  levels: z.array(z.number().int().positive()).default([1, 8]).describe('levels'),
  dry: z.boolean().default(false).describe('do nothing'),
});

describe('schema options', () => {
  it('parses, coerces and fills defaults', () => {
    expect(parseSchemaArgs(schema, ['--name', 'x'], 'usage')).toEqual({ name: 'x', count: 3, mode: 'fast', levels: [1, 8], dry: false });
    expect(parseSchemaArgs(schema, ['--name', 'x', '--count', '5', '--mode', 'slow', '--levels', '2,4', '--levels', '16', '--dry'], 'usage'))
      .toEqual({ name: 'x', count: 5, mode: 'slow', levels: [2, 4, 16], dry: true });
  });

  it('keeps positionals apart, and refuses them where none are taken', () => {
    expect(parseSchemaArgv(schema, ['FILE', '--name', 'x', 'k=v'], 'usage')?.positionals).toEqual(['FILE', 'k=v']);
    expect(() => parseSchemaArgs(schema, ['--name', 'x', 'stray'], 'usage')).toThrow(/unexpected argument "stray"/);
  });

  it('--help is null', () => {
    expect(parseSchemaArgs(schema, ['-h'], 'usage')).toBeNull();
  });

  it('errors name the flag (and the list item)', () => {
    expect(() => parseSchemaArgs(schema, [], 'usage')).toThrow(/--name: is required/);
    expect(() => parseSchemaArgs(schema, ['--name', 'x', '--count', 'many'], 'usage')).toThrow(/--count: Invalid input: expected number/);
    expect(() => parseSchemaArgs(schema, ['--name', 'x', '--count', '0'], 'usage')).toThrow(/--count: Too small/);
    expect(() => parseSchemaArgs(schema, ['--name', 'x', '--mode', 'warp'], 'usage')).toThrow(/--mode: Invalid option/);
    expect(() => parseSchemaArgs(schema, ['--name', 'x', '--levels', '1,-2'], 'usage')).toThrow(/--levels \(item 2\): Too small/);
    expect(() => parseSchemaArgs(schema, ['--nope'], 'usage')).toThrow(/Unknown option '--nope'/);
  });

  it('help lists every flag with its description, type and default', () => {
    const help = schemaHelp(schema);
    expect(help).toMatch(/--name +\(required\) a name \[string\]/);
    expect(help).toMatch(/--count +how many \[int, default 3\]/);
    expect(help).toMatch(/--mode +speed \[fast\|slow, default "fast"\]/);
    expect(help).toMatch(/--levels +levels \[list of int, default 1,8\]/);
    expect(help).toMatch(/--dry +do nothing \[boolean, default false\]/);
  });
});
