// Input checks shared by the algorithms: clear errors that name the offending field.
import * as tf from '@tensorflow/tfjs';

/** Throws unless `t` is a rank-2 tensor; `who` and `field` go into the message. */
export function expectMatrix(who: string, field: string, t: unknown): asserts t is tf.Tensor2D {
  if (!(t instanceof tf.Tensor)) throw new Error(`${who}: ${field} must be a tf.Tensor2D, got ${describe(t)}`);
  if (t.isDisposed) throw new Error(`${who}: ${field} has already been disposed`);
  if (t.rank !== 2) throw new Error(`${who}: ${field} must be rank 2 [batch, tokens], got shape [${t.shape.join(', ')}]`);
}

/** Throws unless every named tensor has the shape of the first one. */
export function expectSameShape(who: string, fields: Record<string, tf.Tensor>): void {
  const entries = Object.entries(fields);
  const [refName, ref] = entries[0]!;
  for (const [name, t] of entries.slice(1)) {
    if (t.shape.length !== ref.shape.length || t.shape.some((d, i) => d !== ref.shape[i])) {
      throw new Error(
        `${who}: ${name} has shape [${t.shape.join(', ')}] but ${refName} has shape [${ref.shape.join(', ')}]; they must match`,
      );
    }
  }
}

/** Masks may arrive as bool/int tensors; the math needs float32 (caller disposes via tidy). */
export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** Throws unless `x` is a finite number (optionally within [lo, hi]). */
export function expectNumber(who: string, field: string, x: unknown, lo = -Infinity, hi = Infinity): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${who}: ${field} must be a finite number, got ${describe(x)}`);
  if (x < lo || x > hi) throw new Error(`${who}: ${field} must be in [${lo}, ${hi}], got ${x}`);
  return x;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return `${typeof x} ${String(x)}`;
}
