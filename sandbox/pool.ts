// A pool of pre-started sandbox containers. Each container runs the harness as its main process,
// already attached and waiting for one request on stdin; it serves exactly ONE submission and is
// then destroyed in the background and replaced, so nothing (files, escaped processes) survives
// from one submission to the next.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxUnavailableError } from './contract.js';

export interface ContainerLimits {
  /** Memory limit of the whole container (program + harness + /tmp contents), MB. */
  memoryMB: number;
  /** Size of the /tmp tmpfs (working directory, HOME, compiler caches), MB. */
  tmpfsMB: number;
  /** Size of the /mnt tmpfs, MB (SandboxFusion lets programs write there and fetch it). */
  mntTmpfsMB: number;
  pidsLimit: number;
  cpus: number;
}

export interface PoolOptions extends ContainerLimits {
  image: string;
  /** Containers kept started and waiting. */
  size: number;
  /** Containers created at the same time while refilling (dockerd is the bottleneck beyond ~2). */
  startParallelism: number;
}

/**
 * The one source of the container limits' defaults: DockerSandbox falls back to them, and the train config's
 * sandbox.* keys and `rl sandbox serve`'s flags take their defaults from here. (A container's memory is the
 * program's limit, reward.memory_mb / --memory-mb, plus the harness's overhead.)
 */
export const POOL_DEFAULTS = {
  /** 128 MB: sources, binaries, the Go/Java/Rust compilers' scratch files. */
  tmpfsMB: 128,
  mntTmpfsMB: 32,
  pidsLimit: 128,
  cpus: 1,
  startParallelism: 2,
} as const satisfies Omit<ContainerLimits, 'memoryMB'> & Pick<PoolOptions, 'startParallelism'>;

export interface WarmContainer {
  id: string;
  container: Docker.Container;
  /** Hijacked attach stream: write the request, read multiplexed stdout/stderr until the harness exits. */
  stream: Duplex;
  /** False once the stream closed (the harness exited before being used). */
  alive: boolean;
  /** Container memory limit in MB as created (updated if a request asks for another). */
  memoryMB: number;
}

export const POOL_LABEL = 'rl.sandbox';
export const OWNER_LABEL = 'rl.sandbox.owner';
/** Which pool of the owning process started the container (a trainer holds more than one). */
export const POOL_ID_LABEL = 'rl.sandbox.pool';

/** HostConfig of every sandbox container: the isolation the issue asks for, in one place. */
export function containerCreateOptions(image: string, limits: ContainerLimits, poolId = ''): Docker.ContainerCreateOptions {
  const memory = limits.memoryMB * 1024 * 1024;
  return {
    Image: image,
    User: '1000:1000',
    WorkingDir: '/tmp',
    // NetworkMode 'none' alone: a private network namespace with only `lo`. (NetworkDisabled would also
    // make Docker bind-mount an empty /etc/hosts, and then `localhost` does not resolve.)
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Labels: { [POOL_LABEL]: '1', [OWNER_LABEL]: String(process.pid), [POOL_ID_LABEL]: poolId },
    HostConfig: {
      NetworkMode: 'none',
      Init: true,
      ReadonlyRootfs: true,
      // exec is needed for compiled binaries (C++, Go, Rust); noexec would not stop python anyway.
      // Both mounts count against the memory limit, so a disk fill is also bounded by it.
      Tmpfs: {
        '/tmp': `rw,exec,nosuid,nodev,size=${limits.tmpfsMB}m,mode=1777`,
        '/mnt': `rw,noexec,nosuid,nodev,size=${limits.mntTmpfsMB}m,mode=1777`,
      },
      Memory: memory,
      MemorySwap: memory, // no swap on top
      PidsLimit: limits.pidsLimit,
      NanoCpus: Math.round(limits.cpus * 1e9),
      LogConfig: { Type: 'none', Config: {} },
      CapDrop: ['ALL'],
      // Docker's default seccomp profile applies (never `seccomp=unconfined`); setuid binaries do not elevate.
      SecurityOpt: ['no-new-privileges'],
      // Docker opens unprivileged ICMP ("ping") sockets to every group by default: close them too.
      Sysctls: { 'net.ipv4.ping_group_range': '1 0' },
      Ulimits: [
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
      ],
    },
  };
}

export class WarmPool {
  private readonly ready: WarmContainer[] = [];
  private starting = 0;
  private readonly waiters: Array<{ resolve: (c: WarmContainer) => void; reject: (e: Error) => void }> = [];
  private readonly removals = new Set<Promise<void>>();
  private closed = false;
  private failing: Error | undefined;
  /** A start failed (the daemon may be down); the next start that succeeds sweeps strays. */
  private recovering = false;
  /** Bumped when an acquire retries after a failure: a start begun before then reports to no one. */
  private attempt = 0;
  private settleWaiters: Array<() => void> = [];
  /** Containers of this pool that were alive and handed out or waiting (a `kill` event for one is not ours). */
  private readonly live = new Set<string>();
  /** Container id → signal, for containers Docker reported killed while not yet discarded by us (docker kill, daemon stop). */
  private readonly killedOutside = new Map<string, string>();
  private events: NodeJS.ReadableStream | undefined;
  private eventsStarting: Promise<void> | undefined;

  readonly id = randomUUID();

  constructor(private readonly docker: Docker, readonly options: PoolOptions) {}

  /** Starts filling the pool (does not wait). */
  start(): void {
    void this.watchKills();
    this.refill();
  }

  /**
   * How the harness of a container died from outside, if it did: Docker's event stream reports every `kill`
   * (docker kill, docker stop, a daemon shutdown), which a program inside cannot cause. A program that kills its
   * own harness gets no such event. Waits up to `waitMs` for the event, which travels on another connection.
   */
  async killedFromOutside(id: string, waitMs = 300): Promise<string | undefined> {
    const end = Date.now() + waitMs;
    while (!this.killedOutside.has(id) && Date.now() < end && this.events) await new Promise((r) => setTimeout(r, 20));
    return this.killedOutside.get(id);
  }

  /** Subscribes to kill events of this process's sandbox containers (again after the daemon restarted). */
  private watchKills(): Promise<void> {
    if (this.events || this.closed) return Promise.resolve();
    this.eventsStarting ??= this.docker
      .getEvents({ filters: { type: ['container'], event: ['kill'], label: [`${OWNER_LABEL}=${process.pid}`] } })
      .then((stream) => {
        this.events = stream;
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            try {
              const ev = JSON.parse(line) as { id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
              const id = ev.Actor?.ID ?? ev.id;
              if (id && this.live.has(id)) this.killedOutside.set(id, ev.Actor?.Attributes?.signal ?? '?');
            } catch {
              // a partial or foreign line: ignore
            }
          }
        });
        const gone = () => {
          if (this.events === stream) this.events = undefined;
        };
        stream.once('end', gone);
        stream.once('close', gone);
        stream.on('error', gone);
      })
      .catch(() => undefined) // the daemon is down: the next acquire subscribes again
      .finally(() => {
        this.eventsStarting = undefined;
      });
    return this.eventsStarting;
  }

  /** A started container for one submission. Throws SandboxUnavailableError when containers cannot be started. */
  acquire(): Promise<WarmContainer> {
    if (this.closed) return Promise.reject(new SandboxUnavailableError('the sandbox pool is closed'));
    // After a failure, retry starting containers only when someone needs one (no busy loop while the daemon is down).
    if (this.failing) this.attempt++;
    this.failing = undefined;
    void this.watchKills();
    const promise = new Promise<WarmContainer>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.dispatch();
    this.refill();
    return promise;
  }

  /** Destroys a used (or broken) container in the background and starts its replacement. */
  discard(c: WarmContainer): void {
    c.alive = false;
    this.live.delete(c.id);
    this.killedOutside.delete(c.id);
    c.stream.destroy();
    const removal = c.container
      .remove({ force: true })
      .catch(() => undefined) // already gone, or the daemon is down: nothing more to do here
      .finally(() => {
        this.removals.delete(removal);
        this.checkSettled();
      });
    this.removals.add(removal);
    this.refill();
  }

  /** Resolves once no removal or start is in flight (the container count is stable). */
  settle(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  get stats(): { ready: number; starting: number; removing: number } {
    return { ready: this.ready.length, starting: this.starting, removing: this.removals.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new SandboxUnavailableError('the sandbox pool was closed');
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const c of this.ready.splice(0)) this.discard(c);
    await this.settle();
    await this.removeStrays();
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
    this.events = undefined;
  }

  /**
   * Removes this pool's containers that it no longer holds: those whose removal failed while the Docker daemon was
   * down (a daemon restart kills them, and starts that were under way leave them "Created").
   */
  private async removeStrays(): Promise<void> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${POOL_ID_LABEL}=${this.id}`] } }).catch(() => []);
    await Promise.all(
      list.filter((info) => !this.live.has(info.Id)).map((info) => this.docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined)),
    );
  }

  private isSettled(): boolean {
    return this.removals.size === 0 && this.starting === 0;
  }

  private checkSettled(): void {
    if (!this.isSettled()) return;
    for (const resolve of this.settleWaiters.splice(0)) resolve();
  }

  private dispatch(): void {
    while (this.waiters.length && this.ready.length) {
      const c = this.ready.shift()!;
      if (!c.alive || this.killedOutside.has(c.id)) {
        this.discard(c);
        continue;
      }
      this.waiters.shift()!.resolve(c);
    }
  }

  private refill(): void {
    const { size, startParallelism } = this.options;
    while (
      !this.closed &&
      !this.failing &&
      this.starting < startParallelism &&
      this.ready.length + this.starting < size + this.waiters.length
    ) {
      this.starting++;
      const attempt = this.attempt;
      this.spawn().then(
        (c) => {
          this.starting--;
          if (this.recovering) {
            // The daemon is back: containers of ours that died with it are still listed; remove them now.
            this.recovering = false;
            void this.removeStrays();
          }
          if (this.closed) this.discard(c);
          else {
            this.ready.push(c);
            this.dispatch();
          }
          this.refill();
          this.checkSettled();
        },
        (err: Error) => {
          this.starting--;
          this.recovering = true;
          if (attempt !== this.attempt) {
            // Begun before the last retry (while the daemon was down): the callers now waiting get a fresh start.
            this.refill();
            this.checkSettled();
            return;
          }
          this.failing = err;
          const wrapped =
            err instanceof SandboxUnavailableError
              ? err
              : new SandboxUnavailableError(`cannot start a sandbox container: ${err.message}`, { cause: err });
          for (const w of this.waiters.splice(0)) w.reject(wrapped);
          this.checkSettled();
        },
      );
    }
  }

  private async spawn(): Promise<WarmContainer> {
    const container = await this.docker.createContainer(containerCreateOptions(this.options.image, this.options, this.id));
    try {
      // Attach before start so not a byte of the harness's output can be missed.
      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as unknown as Duplex;
      const warm: WarmContainer = { id: container.id, container, stream, alive: true, memoryMB: this.options.memoryMB };
      this.live.add(container.id);
      const dead = () => {
        warm.alive = false;
      };
      stream.once('end', dead);
      stream.once('close', dead);
      stream.on('error', dead);
      await container.start();
      return warm;
    } catch (err) {
      this.live.delete(container.id);
      container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
  }
}

/** Removes sandbox containers left by processes that no longer exist (a crashed trainer, a killed test). */
export async function removeOrphanContainers(docker: Docker): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [POOL_LABEL] } });
  let removed = 0;
  await Promise.all(
    list.map(async (info) => {
      const owner = Number(info.Labels?.[OWNER_LABEL]);
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) return;
      await docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined);
      removed++;
    }),
  );
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
