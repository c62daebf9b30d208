// Container limits given to createSandboxProvider (sandbox.* of the train config, `rl sandbox serve` flags) are
// the ones Docker creates the pool's containers with.
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../sandbox/docker-client.js';
import { OWNER_LABEL, POOL_LABEL } from '../../sandbox/pool.js';
import { createSandboxProvider } from '../../sandbox/providers.js';
import type { SandboxProvider } from '../../sandbox/contract.js';
import { dockerReady } from './docker-env.js';

describe.skipIf(!dockerReady)('docker provider container limits', () => {
  let provider: SandboxProvider | undefined;
  afterAll(async () => {
    await provider?.close();
  });

  it('non-default pids, cpus, tmpfs and memory reach docker inspect', async () => {
    provider = await createSandboxProvider({
      provider: 'docker', concurrency: 1, poolSize: 1, memoryMB: 200, pidsLimit: 77, cpus: 0.5, tmpfsMB: 40, mntTmpfsMB: 9,
    });
    const docker = connectDocker();
    const filters = { label: [`${POOL_LABEL}=1`, `${OWNER_LABEL}=${process.pid}`] };
    let ids: string[] = [];
    for (let i = 0; i < 200 && ids.length === 0; i++) {
      ids = (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
      if (ids.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ids.length).toBeGreaterThan(0);
    const host = (await docker.getContainer(ids[0]!).inspect()).HostConfig;
    expect(host.PidsLimit).toBe(77);
    expect(host.NanoCpus).toBe(5e8);
    expect(host.Memory).toBe((200 + 48) * 1024 * 1024); // the program's limit + the harness's overhead
    expect(host.Tmpfs?.['/tmp']).toMatch(/size=40m/);
    expect(host.Tmpfs?.['/mnt']).toMatch(/size=9m/);
    // and the sandbox still runs code under them
    const r = await provider.runCode({ code: 'print(6*7)', language: 'python' });
    expect(r.run_result?.stdout).toBe('42\n');
  }, 120_000);
});
