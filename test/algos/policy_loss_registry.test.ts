// The policy-loss registry: vanilla by name, unknown names rejected (at lookup and at config validation) with the
// registered names, registration of another loss.
import { describe, expect, it } from 'vitest';
import { computePolicyLossTensors, getPolicyLoss, listPolicyLosses, registerPolicyLoss, type PolicyLoss } from '../../src/algos/index.js';
import { validateConfig } from '../../src/config/load.js';

describe('policy-loss registry', () => {
  it('vanilla (PPO clipped) is registered, and is the default of actor.policy_loss', () => {
    expect(listPolicyLosses()).toContain('vanilla');
    expect(getPolicyLoss('vanilla')).toBe(computePolicyLossTensors);
    expect(validateConfig({}).actor.policy_loss).toBe('vanilla');
  });

  it('an unknown name is an error naming the registered losses', () => {
    expect(() => getPolicyLoss('vanila')).toThrow(/unknown policy loss "vanila"; known policy losses: vanilla/);
    expect(() => validateConfig({ actor: { policy_loss: 'vanila' } })).toThrow(/actor\.policy_loss.*unknown policy loss "vanila"; registered: vanilla/s);
  });

  it('another loss is one registration: then found by name and accepted by the config', () => {
    const other: PolicyLoss = (args) => computePolicyLossTensors({ ...args, clipRatio: 0.1 });
    registerPolicyLoss('test_other', other);
    expect(getPolicyLoss('test_other')).toBe(other);
    expect(listPolicyLosses()).toEqual(['vanilla', 'test_other']);
    expect(validateConfig({ actor: { policy_loss: 'test_other' } }).actor.policy_loss).toBe('test_other');
    // Registering the same function again is a no-op; another one under a taken name needs replace.
    registerPolicyLoss('test_other', other);
    expect(() => registerPolicyLoss('test_other', (a) => other(a))).toThrow(/already registered/);
    expect(() => registerPolicyLoss('vanilla', other)).toThrow(/already registered/);
    expect(() => registerPolicyLoss('', other)).toThrow(/non-empty string/);
  });
});
