// Container limits given to createSandboxProvider (sandbox.* of the train config, `rl sandbox serve` flags) are
// the ones Docker creates the pool's containers with.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type Docker from 'dockerode';
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

  it('rl sandbox serve --pids-limit/--cpus/--tmpfs-mb/--mnt-tmpfs-mb create its containers with them', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'rl.js');
    const child = spawn(
      process.execPath,
      [bin, 'sandbox', 'serve', '--port', '0', '--provider', 'docker', '--concurrency', '1', '--pool-size', '1',
        '--pids-limit', '55', '--cpus', '0.25', '--tmpfs-mb', '33', '--mnt-tmpfs-mb', '7'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => (out += d) && /listening on/.test(out) && resolve());
        child.once('exit', (code) => reject(new Error(`rl sandbox serve exited (${code})`)));
      });
      // Its containers are told apart from other pools' by the limits themselves (bin/rl.js may run in a child process).
      const docker = connectDocker();
      let host: Docker.HostConfig | undefined;
      for (let i = 0; i < 200 && !host; i++) {
        const all = await docker.listContainers({ all: true, filters: { label: [`${POOL_LABEL}=1`] } });
        for (const c of all) {
          const h = (await docker.getContainer(c.Id).inspect().catch(() => undefined))?.HostConfig;
          if (h?.PidsLimit === 55) host = h;
        }
        if (!host) await new Promise((r) => setTimeout(r, 100));
      }
      expect(host?.NanoCpus).toBe(2.5e8);
      expect(host?.Tmpfs?.['/tmp']).toMatch(/size=33m/);
      expect(host?.Tmpfs?.['/mnt']).toMatch(/size=7m/);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
