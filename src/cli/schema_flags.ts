// Command-line flags from a zod object: one schema gives the parser options, validation, defaults and help,
// so a subcommand never hand-writes a flag parser. Keys are the flag names (kebab-case); values are strings on
// the command line and coerced by the schema (z.coerce.number() for numbers).
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface FlagCommand<S extends z.ZodObject> {
  usage: string;
  schema: S;
}

/** Parses argv into the schema's output type; throws an Error naming the flag and what it accepts. */
export function parseFlags<S extends z.ZodObject>(cmd: FlagCommand<S>, argv: string[]): z.infer<S> | 'help' {
  const shape = cmd.schema.shape as Record<string, z.ZodType>;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, field] of Object.entries(shape)) options[name] = { type: isBoolean(field) ? 'boolean' : 'string' };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${flagHelp(cmd)}`);
  }
  if (values['help']) return 'help';
  delete values['help'];
  const parsed = cmd.schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`${problems}\n${flagHelp(cmd)}`);
  }
  return parsed.data;
}

/** Usage line, then one line per flag: name, type, default, description (all from the schema). */
export function flagHelp<S extends z.ZodObject>(cmd: FlagCommand<S>): string {
  const json = z.toJSONSchema(cmd.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string; enum?: unknown[]; default?: unknown; description?: string }>;
    required?: string[];
  };
  const rows = Object.entries(json.properties ?? {}).map(([name, p]) => {
    const type = p.enum ? p.enum.join('|') : p.type === 'integer' ? 'int' : (p.type ?? 'string');
    const def = json.required?.includes(name) ? 'required' : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional';
    return [`--${name}`, type, def, p.description ?? ''];
  });
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return [cmd.usage, '', 'options:', ...rows.map((r) => `  ${r.slice(0, 3).map((x, c) => x.padEnd(widths[c]!)).join('  ')}  ${r[3]}`)].join('\n');
}

function isBoolean(field: z.ZodType): boolean {
  let f: z.ZodType = field;
  // Unwrap optional/default wrappers to find the base type.
  for (let i = 0; i < 5; i++) {
    const def = (f as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if (def.type === 'boolean') return true;
    if (!def.innerType) return false;
    f = def.innerType;
  }
  return false;
}
