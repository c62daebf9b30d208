// The tensorflow backend starts quietly (issue 16): TensorFlow 2.21's C++ start-up lines (absl's "log messages
// before InitializeLog", the oneDNN notice) do not reach stderr; rl's backend line is the one message.
// RL_TF_VERBOSE=1 shows them, which proves they exist and that this test can fail.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tensorflowSetUp } from './backends.js';
import { ROOT } from './trainer/helpers.js';

const SCRIPT = `const { selectBackend } = await import('./dist/src/backend/select.js');
const choice = await selectBackend('tensorflow');
console.error('after load: stderr still works');
console.log(choice.name);`;

function start(env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CHATTER = /absl::InitializeLog|oneDNN custom operations/;

describe.skipIf(!tensorflowSetUp() && process.env.CI !== 'true')('tensorflow backend start-up (needs rl setup tensorflow)', () => {
  it('prints none of TensorFlow\'s C++ start-up lines; stderr works after the load', () => {
    const r = start();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('tensorflow');
    expect(r.stderr).not.toMatch(CHATTER);
    expect(r.stderr).toContain('after load: stderr still works');
  });

  it('RL_TF_VERBOSE=1 leaves stderr alone (the lines are there to hide)', () => {
    const r = start({ RL_TF_VERBOSE: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(CHATTER);
  });

  // oneDNN: TensorFlow turns it on by itself only on AVX-512 VNNI/BF16/AMX CPUs; rl turns it on (2.3× on the LM
  // head's matmuls on AVX2) unless the user chose. TensorFlow's own notice says which.
  it('turns oneDNN on unless TF_ENABLE_ONEDNN_OPTS is set (TensorFlow\'s notice says so); a user\'s 0 is kept', () => {
    const on = start({ RL_TF_VERBOSE: '1' });
    expect(on.code, on.stderr).toBe(0);
    expect(on.stderr).toMatch(/oneDNN custom operations are on/);
    const off = start({ RL_TF_VERBOSE: '1', TF_ENABLE_ONEDNN_OPTS: '0' });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).not.toMatch(/oneDNN custom operations are on/);
  });
});
if (!tensorflowSetUp() && process.env.CI !== 'true') console.warn('\n*** SKIPPING tensorflow start-up test: run rl setup tensorflow\n');
