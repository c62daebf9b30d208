// Command-line options of a subcommand built from one zod object schema: the parser (node's parseArgs, every
// value coerced by the schema's type), the help text (description, type, default), and validation with errors
// naming the flag. Keys are the flag names (`max-new-tokens` → --max-new-tokens).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { typeOf as typeName, type JsonSchemaNode as JsonNode } from '../config/help.js';

function fields(schema: z.ZodObject): [string, JsonNode][] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonNode> };
  return Object.entries(js.properties ?? {});
}

/** One line per flag: `--key  description [type, default]`. */
export function schemaHelp(schema: z.ZodObject): string {
  const rows = fields(schema);
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows
    .map(([k, n]) => `  --${k.padEnd(w)}${n.description ?? ''} [${typeName(n)}${n.default !== undefined ? `, default ${JSON.stringify(n.default)}` : ''}]`)
    .join('\n');
}

/** Parse argv against the schema; --help/-h returns null. Errors name the flag and end with the usage. */
export function parseSchemaArgs<S extends z.ZodObject>(schema: S, argv: string[], usage: string): z.infer<S> | null {
  const rows = fields(schema);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [k, n] of rows) options[k] = { type: typeName(n) === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options }));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${usage}`);
  }
  if (values.help) return null;
  const input: Record<string, unknown> = {};
  for (const [k, n] of rows) {
    const v = values[k];
    if (v === undefined) continue;
    const t = typeName(n);
    // Numbers are coerced only where the schema wants one; a value that is not a number stays a string so the
    // schema's error names it.
    input[k] = typeof v === 'string' && /\b(number|int)\b/.test(t) && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new Error(`${r.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n${usage}`);
  }
  return r.data;
}
