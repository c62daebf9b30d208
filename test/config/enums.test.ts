// Every enum of the train config is the implementing module's own list, so a mode added there is accepted here.
import { describe, expect, it } from 'vitest';
import { LOSS_AGG_MODES } from '../../src/algos/agg_loss.js';
import { KL_BASE_KINDS, KL_KINDS } from '../../src/algos/kl.js';
import { BACKEND_NAMES } from '../../src/backend/select.js';
import { ActorSchema, AlgorithmSchema, RewardSchema, SandboxSchema, TrainerSchema } from '../../src/config/schema.js';
import { REWARD_MODES } from '../../src/reward/score.js';
import { COMPARE_MODES } from '../../sandbox/compare.js';
import { SANDBOX_PROVIDERS } from '../../sandbox/providers.js';

describe('config enums come from the implementations', () => {
  it.each([
    ['actor.loss_agg_mode', ActorSchema.unwrap().shape.loss_agg_mode.unwrap().options, LOSS_AGG_MODES],
    ['actor.kl_loss_type', ActorSchema.unwrap().shape.kl_loss_type.unwrap().options, KL_KINDS],
    ['algorithm.kl_penalty', AlgorithmSchema.unwrap().shape.kl_penalty.unwrap().options, KL_BASE_KINDS],
    ['reward.mode', RewardSchema.unwrap().shape.mode.unwrap().options, REWARD_MODES],
    ['reward.compare', RewardSchema.unwrap().shape.compare.unwrap().options, COMPARE_MODES],
    ['sandbox.provider', SandboxSchema.unwrap().shape.provider.unwrap().options, SANDBOX_PROVIDERS],
    ['trainer.backend', TrainerSchema.unwrap().shape.backend.unwrap().options, BACKEND_NAMES],
  ])('%s', (_key, schemaValues, implementation) => {
    expect([...schemaValues]).toEqual([...implementation]);
  });

  it('KL_KINDS is every base kind and its straight-through "+" variant', () => {
    expect(KL_KINDS).toEqual([...KL_BASE_KINDS, ...KL_BASE_KINDS.map((k) => `${k}+`)]);
  });
});
