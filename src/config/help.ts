// Help text for every option, generated from the same schema that validates.
import { z } from 'zod';
import { TrainConfigSchema } from './schema.js';

export interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

/** The type column of help text: enum values, unions joined by |, integer as int. */
export function typeOf(n: JsonSchemaNode): string {
  if (n.enum) return n.enum.join('|');
  if (n.anyOf) return n.anyOf.map(typeOf).join('|');
  const t = Array.isArray(n.type) ? n.type.join('|') : (n.type ?? 'any');
  return t === 'integer' ? 'int' : t;
}

/** One line per leaf option: dotted key, type, default, description. */
export function optionLines(): { key: string; type: string; def: string; description: string }[] {
  const root = z.toJSONSchema(TrainConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const out: { key: string; type: string; def: string; description: string }[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (child.properties && typeOf(child) === 'object') walk(child, key);
      else out.push({ key, type: typeOf(child), def: JSON.stringify(child.default ?? null), description: child.description ?? '' });
    }
  };
  walk(root, '');
  return out;
}

export function configHelp(): string {
  const lines = optionLines();
  const w = Math.max(...lines.map((l) => l.key.length));
  return lines.map((l) => `  ${l.key.padEnd(w)}  ${l.description} [${l.type}, default ${l.def}]`).join('\n');
}
