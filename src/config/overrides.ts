// verl-style dotted overrides: `algorithm.adv_estimator=rloo actor.optim.lr=1e-5` → nested object.
import YAML from 'yaml';

/** Parse the value as a YAML scalar/flow value, so numbers, booleans, null and [lists] get their types. */
export function parseOverrideValue(raw: string): unknown {
  try {
    return YAML.parse(raw);
  } catch {
    return raw;
  }
}

/** Set obj[a][b][c] = value for the path "a.b.c", creating objects on the way. */
export function setDotted(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  if (keys.some((k) => k === '')) throw new Error(`bad override key "${dotted}"`);
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined || next === null) cur[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new Error(`override "${dotted}": "${k}" is not a section`);
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

export function applyOverrides(base: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const out = structuredClone(base);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`bad override "${o}": expected key=value (e.g. algorithm.adv_estimator=rloo)`);
    setDotted(out, o.slice(0, eq), parseOverrideValue(o.slice(eq + 1)));
  }
  return out;
}
