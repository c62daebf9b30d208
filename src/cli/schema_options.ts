// Command-line options of a subcommand built from one zod object schema: the parser (node's parseArgs, every
// value coerced by the schema's type), the help text (description, type, default), and validation with errors
// naming the flag. Keys are the flag names (`max-new-tokens` → --max-new-tokens). Booleans are bare flags;
// arrays are lists, given comma-separated and/or by repeating the flag (--levels 1,8 --levels 32).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { typeOf, type JsonSchemaNode } from '../config/help.js';

type Node = JsonSchemaNode & { items?: Node };

interface Flag {
  key: string;
  node: Node;
  required: boolean;
}

function flags(schema: z.ZodObject): Flag[] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Node>; required?: string[] };
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([key, node]) => ({ key, node, required: required.has(key) }));
}

function typeName(n: Node): string {
  return n.type === 'array' ? `list of ${n.items ? typeOf(n.items) : 'any'}` : typeOf(n);
}

const wantsNumber = (n: Node) => /\b(number|int)\b/.test(typeOf(n));

/** Numbers are coerced only where the schema wants one; a value that is not a number stays a string so the
 * schema's error names it. */
function coerce(v: string, n: Node): unknown {
  return wantsNumber(n) && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** One line per flag: `--key  description [type, default]`; required flags say so. */
export function schemaHelp(schema: z.ZodObject, indent = '  '): string {
  const rows = flags(schema);
  const w = Math.max(...rows.map((f) => f.key.length)) + 2;
  return rows
    .map(({ key, node, required }) => {
      const def = node.default !== undefined ? `, default ${node.type === 'array' ? (node.default as unknown[]).join(',') : JSON.stringify(node.default)}` : '';
      return `${indent}--${key.padEnd(w)}${required ? '(required) ' : ''}${node.description ?? ''} [${typeName(node)}${def}]`;
    })
    .join('\n');
}

/**
 * Parse argv against the schema, positional arguments kept apart; --help/-h returns null. Errors name the flag
 * and end with the usage.
 */
export function parseSchemaArgv<S extends z.ZodObject>(
  schema: S,
  argv: string[],
  usage: string,
): { options: z.infer<S>; positionals: string[] } | null {
  const rows = flags(schema);
  type ParseOption = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };
  const options: Record<string, ParseOption> = { help: { type: 'boolean', short: 'h' } };
  for (const { key, node } of rows) {
    options[key] = node.type === 'array' ? { type: 'string', multiple: true } : { type: typeOf(node) === 'boolean' ? 'boolean' : 'string' };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${usage}`);
  }
  if (parsed.values.help) return null;
  const input: Record<string, unknown> = {};
  for (const { key, node } of rows) {
    const v = parsed.values[key];
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      const items = v.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
      input[key] = items.map((s) => coerce(s, node.items ?? {}));
    } else input[key] = typeof v === 'string' ? coerce(v, node) : v;
  }
  const r = schema.safeParse(input);
  if (!r.success) {
    // A list item's issue names the flag and the item (1-based); a cross-flag rule's issue has no path.
    const where = ({ path }: z.core.$ZodIssue) =>
      path.length === 0 ? '' : `--${String(path[0])}${path.length > 1 ? ` (item ${Number(path[1]) + 1})` : ''}: `;
    throw new Error(`${r.error.issues.map((i) => `${where(i)}${i.message}`).join('; ')}\n${usage}`);
  }
  return { options: r.data, positionals: parsed.positionals };
}

/** parseSchemaArgv for a subcommand that takes no positional arguments. */
export function parseSchemaArgs<S extends z.ZodObject>(schema: S, argv: string[], usage: string): z.infer<S> | null {
  const r = parseSchemaArgv(schema, argv, usage);
  if (r && r.positionals.length) throw new Error(`unexpected argument "${r.positionals[0]}"\n${usage}`);
  return r && r.options;
}
