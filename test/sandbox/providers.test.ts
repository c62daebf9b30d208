// R6: `auto` never falls back to running generated code on the host; without Docker it is a clear error that
// says how to start Docker or opt in with `--sandbox local`. Checked without Docker: DOCKER_HOST points at a
// socket nobody listens on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../sandbox/providers.js';
import { SandboxUnavailableError } from '../../sandbox/contract.js';

describe('sandbox provider auto without a Docker daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-nodocker-'));
  const saved = process.env.DOCKER_HOST;
  beforeAll(() => {
    process.env.DOCKER_HOST = `unix://${join(dir, 'no-daemon.sock')}`;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('auto is an error naming Docker and the explicit local opt-in, not a host fallback', async () => {
    let err: unknown;
    let provider;
    try {
      provider = await createSandboxProvider({ provider: 'auto', concurrency: 1 });
    } catch (e) {
      err = e;
    }
    await provider?.close();
    expect(provider?.name, 'auto must not pick a provider that runs code on the host').toBeUndefined();
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/Docker daemon/);
    expect(msg).toMatch(/\.ci\/docker\.sh|dockerd/);
    expect(msg).toMatch(/--sandbox local/);
  });

  it('docker is the same clear error; local still runs on the host when asked for', async () => {
    await expect(createSandboxProvider({ provider: 'docker' })).rejects.toThrow(/Docker daemon/);
    const local = await createSandboxProvider({ provider: 'local', concurrency: 1 });
    try {
      expect(local.name).toBe('local');
      const r = await local.runCode({ code: 'print(6*7)', language: 'python' });
      expect(r.run_result?.stdout).toBe('42\n');
    } finally {
      await local.close();
    }
  });
});
