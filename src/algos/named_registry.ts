// A registry of functions by name (advantage estimators, policy losses): lookup with an error listing the known
// names, registration that refuses to silently replace a taken name (as verl's registries do).

export interface NamedRegistry<F> {
  get(name: string): F;
  /** Registered names, in registration order. */
  list(): string[];
  /** Re-registering a taken name with another function is an error unless `replace` is set. */
  register(name: string, fn: F, opts?: { replace?: boolean }): void;
}

/** `kind` names one entry in messages ("policy loss"), `plural` the list ("policy losses"), `registerName` the caller. */
export function namedRegistry<F>(kind: string, plural: string, registerName: string, initial: [string, F][]): NamedRegistry<F> {
  const entries = new Map<string, F>(initial);
  const list = () => [...entries.keys()];
  return {
    list,
    get(name) {
      const fn = entries.get(name);
      if (!fn) throw new Error(`unknown ${kind} "${name}"; known ${plural}: ${list().join(', ')}`);
      return fn;
    },
    register(name, fn, opts = {}) {
      if (typeof name !== 'string' || name.length === 0) throw new Error(`${registerName}: name must be a non-empty string`);
      if (typeof fn !== 'function') throw new Error(`${registerName}: the ${kind} for "${name}" must be a function`);
      const existing = entries.get(name);
      if (existing && existing !== fn && !opts.replace) {
        throw new Error(`${kind} "${name}" is already registered (pass { replace: true } to override it)`);
      }
      entries.set(name, fn);
    },
  };
}
