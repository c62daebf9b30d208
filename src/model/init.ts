// Random initialisation (HF's initializer_range: normal(0, 0.02) for matrices, ones for norms, zeros for biases).
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { expectedHfShapes, internalShape, Transformer, type TransformerOptions } from './transformer.js';

export interface InitOptions extends TransformerOptions {
  seed: number;
  /** Standard deviation of the normal init of matrices. Default 0.02. */
  std?: number;
}

/** Weights for a config in the model's internal layout, seeded. */
export function randomInternalWeights(config: ModelConfig, seed: number, std = 0.02): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  let i = 0;
  for (const [name, hfShape] of expectedHfShapes(config)) {
    const shape = internalShape(name, hfShape);
    if (name.endsWith('norm.weight')) out.set(name, tf.ones(shape));
    else if (name.endsWith('.bias')) out.set(name, tf.zeros(shape));
    else out.set(name, tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + i));
    i++;
  }
  return out;
}

export function createTransformer(config: ModelConfig, opts: InitOptions): Transformer {
  const w = randomInternalWeights(config, opts.seed, opts.std);
  try {
    return new Transformer(config, w, opts);
  } finally {
    tf.dispose([...w.values()]);
  }
}
