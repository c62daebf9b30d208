// A tiny per-backend registry: an op has a reference implementation (plain tfjs ops, every backend)
// and optional faster ones registered per backend name; a call picks the one for tf.getBackend().
import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

interface OpEntry {
  reference: AnyFn;
  fused: AnyFn;
  perBackend: Map<string, AnyFn>;
}

// The one process-wide op table: ops are defined at module load (defineOp) and the backend modules add their
// implementations to it when their backend is set up; a dispatch reads it. Unavoidable for a registry.
const ops = new Map<string, OpEntry>();

/**
 * Declare an op. `fused` is the default implementation (custom gradients, chunking; any backend);
 * `reference` is the ground truth built from plain tfjs ops. Returns the dispatching function.
 */
export function defineOp<F extends AnyFn>(name: string, impls: { reference: F; fused: F }): F {
  if (ops.has(name)) throw new Error(`kernel op "${name}" is already defined`);
  const entry: OpEntry = { reference: impls.reference, fused: impls.fused, perBackend: new Map() };
  ops.set(name, entry);
  const dispatch = (...args: unknown[]) => {
    const impl = entry.perBackend.get(tf.getBackend()) ?? entry.fused;
    return impl(...args);
  };
  return dispatch as F;
}

/** Register a backend-specific implementation (e.g. WGSL for 'webgpu') of a defined op. */
export function registerBackendImpl(opName: string, backend: string, impl: AnyFn): void {
  const entry = ops.get(opName);
  if (!entry) throw new Error(`cannot register "${backend}" implementation: kernel op "${opName}" is not defined (known: ${[...ops.keys()].join(', ')})`);
  entry.perBackend.set(backend, impl);
}

export function unregisterBackendImpl(opName: string, backend: string): void {
  ops.get(opName)?.perBackend.delete(backend);
}

/** The reference implementation of an op (tests compare against it). */
export function referenceImpl<F extends AnyFn>(opName: string): F {
  const entry = ops.get(opName);
  if (!entry) throw new Error(`kernel op "${opName}" is not defined`);
  return entry.reference as F;
}

/** Which implementation a call would use now: 'backend:<name>' or 'fused'. */
export function activeImpl(opName: string): string {
  const entry = ops.get(opName);
  if (!entry) throw new Error(`kernel op "${opName}" is not defined`);
  const b = tf.getBackend();
  return entry.perBackend.has(b) ? `backend:${b}` : 'fused';
}

export function definedOps(): string[] {
  return [...ops.keys()];
}
