// Infrastructure faults in the Docker provider (issue 13 R7, issue 14): a container killed from outside, idle
// or mid-run, is never used and scored; the submission runs again in a fresh container, or the caller gets a
// SandboxUnavailableError naming the cause. Never a verdict that blames the program.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxUnavailableError } from '../../sandbox/contract.js';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { connectDocker } from '../../sandbox/docker-client.js';
import { OWNER_LABEL, POOL_ID_LABEL } from '../../sandbox/pool.js';
import { containerCount, dockerReady } from './docker-env.js';

const docker = connectDocker();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running sandbox containers of this process. */
async function ours(): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`${OWNER_LABEL}=${process.pid}`] } });
  return list.map((c) => c.Id);
}

async function waitFor(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!dockerReady)('Docker sandbox under infrastructure faults', () => {
  let sb: DockerSandbox;
  let baseline: number;
  const POOL = 3;

  beforeAll(async () => {
    baseline = await containerCount();
    sb = await DockerSandbox.create({ concurrency: 1, poolSize: POOL });
  });
  afterAll(async () => {
    await sb?.close();
    if (dockerReady) expect(await containerCount(), 'no container left behind after close').toBe(baseline);
  });

  it('every warm container killed while idle: the next submission runs in a fresh one and is right (R7)', async () => {
    await waitFor(() => sb.pool.stats.ready === POOL, 60_000, 'the pool to fill');
    const victims = await ours();
    expect(victims.length).toBe(POOL);
    await Promise.all(victims.map((id) => docker.getContainer(id).kill().catch(() => undefined)));
    await sleep(500); // the attach streams close
    const t0 = performance.now();
    const r = await sb.runCode({ code: 'print(6 * 7)', language: 'python', run_timeout: 5 });
    expect(r.status, JSON.stringify(r)).toBe('Success');
    expect(r.run_result?.stdout).toBe('42\n');
    expect((performance.now() - t0) / 1000, 'no wait for a dead container\'s time budget').toBeLessThan(10);
    const j = await sb.judge({ code: 'print(int(input()) + 1)', language: 'python', tests: [{ type: 'stdio', stdin: '1', stdout: '2' }] });
    expect(j.allPassed).toBe(true);
  });

  it('a container killed from outside mid-run: run again in a fresh container, right result (not a runtime error)', async () => {
    await waitFor(() => sb.pool.stats.ready === POOL && sb.pool.stats.starting === 0, 60_000, 'the pool to fill');
    const run = sb.runCode({ code: 'import time\ntime.sleep(2)\nprint("slept")', language: 'python', run_timeout: 5 });
    // The busy container: besides docker-init, the harness and its zygote, it runs the program (forked by the zygote).
    let victim: string | undefined;
    await waitFor(async () => {
      for (const id of await ours()) {
        const top = await docker.getContainer(id).top().catch(() => ({ Processes: [] as string[][] }));
        if ((top.Processes ?? []).length > 3) victim = id;
      }
      return victim !== undefined;
    }, 10_000, 'the busy container');
    await sleep(700);
    await docker.getContainer(victim!).kill();
    const r = await run;
    expect(r.status, JSON.stringify(r)).toBe('Success');
    expect(r.run_result?.stdout).toBe('slept\n');
  });

  for (const aliveFlag of [false, true]) {
    it(`containers that are always dead (alive flag ${aliveFlag}): SandboxUnavailableError, never a scored result (R7)`, async () => {
      const pool = sb.pool as unknown as { acquire: () => Promise<unknown>; discard: (c: unknown) => void };
      const realAcquire = pool.acquire.bind(pool);
      const realDiscard = pool.discard.bind(pool);
      let handed = 0;
      // A container whose harness exited before use: noticed (alive false) or not yet (its stream closes once
      // the request is written, without a byte from the harness).
      pool.acquire = async () => {
        handed++;
        const stream = new PassThrough();
        stream.end = ((): PassThrough => {
          setImmediate(() => stream.emit('close'));
          return stream;
        }) as PassThrough['end'];
        return {
          id: `dead${handed}`.padEnd(64, '0'), alive: aliveFlag, memoryMB: sb.pool.options.memoryMB, stream,
          container: {
            inspect: async () => ({ State: { OOMKilled: false, Running: false, ExitCode: 137 } }),
            remove: async () => undefined,
            update: async () => undefined,
          },
        };
      };
      pool.discard = () => undefined;
      try {
        const err = await sb.runCode({ code: 'print(1)', language: 'python', run_timeout: 2 }).then(
          (r) => new Error(`scored a dead container: ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SandboxUnavailableError);
        expect((err as Error).message).toMatch(/3 sandbox containers in a row died/);
        expect(handed).toBe(3);
      } finally {
        pool.acquire = realAcquire;
        pool.discard = realDiscard;
      }
    });
  }
});

describe.skipIf(!dockerReady)('a sandbox container that never starts', () => {
  it('the submission fails with SandboxUnavailableError naming the cause; nothing is left behind; retried on demand', async () => {
    const baseline = await containerCount();
    // Docker refuses a container with under 6 MB of memory: every start fails, as with a broken daemon or image.
    const sb = await DockerSandbox.create({ concurrency: 1, poolSize: 1, memoryMB: 3 - 48 });
    try {
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const err = await sb.runCode({ code: 'print(1)', language: 'python' }).then(
          (r) => new Error(`answered: ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SandboxUnavailableError);
        expect((err as Error).message).toMatch(/cannot start a sandbox container: .*[Mm]emory/);
        expect((performance.now() - t0) / 1000, 'fails fast, no hang').toBeLessThan(10);
      }
    } finally {
      await sb.close();
    }
    expect(await containerCount()).toBe(baseline);
  });
});

/**
 * The daemon as a client sees it through a Unix-socket proxy: `stop` drops every connection (attach streams, the
 * event stream) and refuses new ones, as a daemon that went away; `start` serves again. The real daemon keeps
 * running, so test files running beside this one are not disturbed.
 */
function daemonProxy(target: string) {
  const socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-dockerd-')), 'docker.sock');
  const conns = new Set<net.Socket>();
  let server: net.Server | undefined;
  return {
    socketPath,
    start: () =>
      new Promise<void>((resolve) => {
        // Half-open kept: the harness reads the submission to EOF (the client's half-close), then answers.
        server = net.createServer({ allowHalfOpen: true }, (client) => {
          const upstream = net.connect({ path: target, allowHalfOpen: true });
          const drop = () => {
            client.destroy();
            upstream.destroy();
            conns.delete(client);
            conns.delete(upstream);
          };
          for (const s of [client, upstream]) {
            conns.add(s);
            s.on('error', drop);
            s.on('close', drop);
          }
          client.pipe(upstream);
          upstream.pipe(client);
        });
        server.listen(socketPath, () => resolve());
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of conns) s.destroy();
        conns.clear();
        server!.close(() => resolve());
      }),
  };
}

describe.skipIf(!dockerReady)('the Docker daemon restarted under the sandbox', () => {
  it('while down: SandboxUnavailableError naming the cause, never a verdict; once back: right results; nothing left behind', async () => {
    const baseline = await containerCount();
    const proxy = daemonProxy(process.env.DOCKER_HOST?.replace(/^unix:\/\//, '') ?? '/var/run/docker.sock');
    await proxy.start();
    const sb = await DockerSandbox.create({ docker: new Docker({ socketPath: proxy.socketPath }), concurrency: 1, poolSize: 2 });
    const double = { code: 'print(int(input()) * 2)', language: 'python' as const, stdin: '21', run_timeout: 5 };
    try {
      expect((await sb.runCode(double)).run_result?.stdout).toBe('42\n');
      // The daemon stops: clients lose their connections and its containers are killed.
      await proxy.stop();
      const pooled = await docker.listContainers({ filters: { label: [`${POOL_ID_LABEL}=${sb.pool.id}`] } });
      expect(pooled.length).toBeGreaterThan(0);
      await Promise.all(pooled.map((c) => docker.getContainer(c.Id).kill().catch(() => undefined)));
      for (let i = 0; i < 2; i++) {
        const err = await sb.runCode(double).then(
          (r) => new Error(`answered while the daemon was down: ${JSON.stringify(r)}`),
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SandboxUnavailableError);
        expect((err as Error).message).toMatch(/cannot start a sandbox container: .*(ENOENT|ECONNREFUSED)/);
      }
      await proxy.start();
      for (let i = 0; i < 3; i++) expect((await sb.runCode(double)).run_result?.stdout).toBe('42\n');
    } finally {
      await sb.close();
      await proxy.stop().catch(() => undefined);
    }
    // The containers the restart killed, and any start it cut short, are removed too.
    expect(await containerCount()).toBe(baseline);
  });
});
