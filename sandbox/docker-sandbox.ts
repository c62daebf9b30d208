// The Docker sandbox provider: validates a request, hands it to one warm container's harness,
// enforces a hard time budget, and translates the harness's records into the public results.
import { availableParallelism } from 'node:os';
import type Docker from 'dockerode';
import type { JudgeRequest, JudgeResult, RunCodeRequest, RunCodeResponse, SandboxProvider } from './contract.js';
import { DockerStreamDemuxer } from './demux.js';
import { connectDocker, pingDocker } from './docker-client.js';
import { SandboxUnavailableError } from './contract.js';
import { buildSandboxImage, imageExists, sandboxImageTag } from './image.js';
import { POOL_DEFAULTS, WarmPool, removeOrphanContainers, type WarmContainer } from './pool.js';
import {
  DEFAULT_MEMORY_MB, OutcomeBuilder, hardBudgetMs, harnessRequestForJudge, harnessRequestForRunCode, toJudgeResult,
  toRunCodeResponse, type HarnessOutcome, type HarnessRequest,
} from './protocol.js';
import { parseJudgeRequest, parseRunCodeRequest } from './schemas.js';
import { Semaphore } from './semaphore.js';

/** Containers tried for one submission when they die from outside (docker kill, exited while idle). */
const CONTAINER_ATTEMPTS = 3;

/** The container died for a reason outside the program (killed from outside, exited before use): retry elsewhere. */
class ContainerLostError extends SandboxUnavailableError {}

/** Memory the harness and its zygote need on top of the program's own limit. */
const HARNESS_OVERHEAD_MB = 48;

export interface DockerSandboxOptions {
  /** Image tag (default: the tag of the current recipe, see image.ts). */
  image?: string;
  /** Submissions judged at the same time (default: number of CPUs). */
  concurrency?: number;
  /** Containers kept started and waiting (default: concurrency + 1). */
  poolSize?: number;
  /** Default memory limit of a program in MB (default 512); a request's memoryMB overrides it. */
  memoryMB?: number;
  /** /tmp tmpfs, MB (default POOL_DEFAULTS.tmpfsMB). */
  tmpfsMB?: number;
  /** /mnt tmpfs, MB (default POOL_DEFAULTS.mntTmpfsMB). */
  mntTmpfsMB?: number;
  /** Processes + threads per container (a JVM or the Go toolchain runs dozens of threads). */
  pidsLimit?: number;
  cpus?: number;
  startParallelism?: number;
  /** Build the image when it is missing (needs root + debootstrap; ~1-2 min). Default false: error. */
  buildIfMissing?: boolean;
  docker?: Docker;
}

export class DockerSandbox implements SandboxProvider {
  readonly name = 'docker' as const;
  private readonly slots: Semaphore;

  private constructor(
    private readonly docker: Docker,
    readonly pool: WarmPool,
    readonly concurrency: number,
  ) {
    this.slots = new Semaphore(concurrency);
  }

  /** Connects to the daemon, checks (or builds) the image, removes orphans, and starts warming the pool. */
  static async create(opts: DockerSandboxOptions = {}): Promise<DockerSandbox> {
    const docker = opts.docker ?? connectDocker();
    await pingDocker(docker);
    const image = opts.image ?? sandboxImageTag();
    if (!(await imageExists(docker, image))) {
      if (!opts.buildIfMissing) {
        throw new SandboxUnavailableError(`sandbox image ${image} is missing: build it with \`rl sandbox build\``);
      }
      await buildSandboxImage({ docker });
    }
    await removeOrphanContainers(docker);
    const concurrency = opts.concurrency ?? Math.max(1, availableParallelism());
    const pool = new WarmPool(docker, {
      image,
      size: opts.poolSize ?? concurrency + 1,
      memoryMB: (opts.memoryMB ?? DEFAULT_MEMORY_MB) + HARNESS_OVERHEAD_MB,
      tmpfsMB: opts.tmpfsMB ?? POOL_DEFAULTS.tmpfsMB,
      mntTmpfsMB: opts.mntTmpfsMB ?? POOL_DEFAULTS.mntTmpfsMB,
      pidsLimit: opts.pidsLimit ?? POOL_DEFAULTS.pidsLimit,
      cpus: opts.cpus ?? POOL_DEFAULTS.cpus,
      startParallelism: opts.startParallelism ?? POOL_DEFAULTS.startParallelism,
    });
    pool.start();
    return new DockerSandbox(docker, pool, concurrency);
  }

  async judge(req: JudgeRequest): Promise<JudgeResult> {
    const hreq = harnessRequestForJudge(parseJudgeRequest(req));
    return toJudgeResult(hreq, await this.execute(hreq));
  }

  async runCode(req: RunCodeRequest): Promise<RunCodeResponse> {
    const hreq = harnessRequestForRunCode(parseRunCodeRequest(req));
    return toRunCodeResponse(hreq, await this.execute(hreq));
  }

  /** Runs one harness request in a fresh container. Throws SandboxUnavailableError on infrastructure failure. */
  execute(hreq: HarnessRequest): Promise<HarnessOutcome> {
    return this.slots.run(async () => {
      // A container that died before or while serving the submission (killed from outside, harness gone while
      // idle) says nothing about the program: take a fresh one, and after CONTAINER_ATTEMPTS give up with an
      // infrastructure error. Its result is never used (R7).
      let last = '';
      for (let attempt = 1; attempt <= CONTAINER_ATTEMPTS; attempt++) {
        const c = await this.pool.acquire();
        if (!c.alive) {
          last = `container ${c.id.slice(0, 12)} had exited before use`;
          this.pool.discard(c);
          continue;
        }
        try {
          return await this.runIn(c, hreq);
        } catch (err) {
          if (!(err instanceof ContainerLostError)) throw err;
          last = err.message;
        }
      }
      throw new SandboxUnavailableError(`${CONTAINER_ATTEMPTS} sandbox containers in a row died before finishing the submission; last: ${last}`);
    });
  }

  /** Waits until container removals/starts in flight are finished (tests count containers after this). */
  settle(): Promise<void> {
    return this.pool.settle();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async runIn(c: WarmContainer, hreq: HarnessRequest): Promise<HarnessOutcome> {
    const t0 = performance.now();
    const builder = new OutcomeBuilder();
    let finish!: (how: 'done' | 'ended' | 'deadline') => void;
    const finished = new Promise<'done' | 'ended' | 'deadline'>((resolve) => (finish = resolve));
    const demux = new DockerStreamDemuxer((line) => {
      builder.add(line);
      if (builder.outcome.termination === 'done') finish('done'); // no need to wait for the container to exit
    });
    let streamError: Error | undefined;
    const onData = (chunk: Buffer) => demux.push(chunk);
    const onEnd = () => finish('ended');
    const onError = (err: Error) => {
      streamError = err;
      finish('ended');
    };
    c.stream.on('data', onData);
    c.stream.once('end', onEnd);
    c.stream.once('close', onEnd);
    c.stream.on('error', onError);
    const timer = setTimeout(() => finish('deadline'), hardBudgetMs(hreq));
    try {
      const wantMB = (hreq.memory_mb ?? DEFAULT_MEMORY_MB) + HARNESS_OVERHEAD_MB;
      if (wantMB !== c.memoryMB) {
        const bytes = wantMB * 1024 * 1024;
        await c.container.update({ Memory: bytes, MemorySwap: bytes }).catch((err: Error) => {
          throw new SandboxUnavailableError(`cannot set the container memory limit: ${err.message}`, { cause: err });
        });
      }
      c.stream.end(JSON.stringify(hreq)); // the harness reads to EOF: the half-close is the end of the request
      const how = await finished;
      demux.end();
      const out = builder.outcome;
      if (out.termination !== 'done') {
        if (!out.started && how === 'deadline') {
          throw new ContainerLostError(`the sandbox harness of container ${c.id.slice(0, 12)} never read the submission`);
        }
        if (how === 'deadline') {
          out.termination = 'deadline';
          out.reason = 'killed: the submission exceeded its hard time budget';
        } else {
          out.reason = await this.whyDied(c, streamError, out.started === true);
        }
      }
      out.wallS = (performance.now() - t0) / 1000;
      return out;
    } finally {
      clearTimeout(timer);
      c.stream.off('data', onData);
      c.stream.off('end', onEnd);
      c.stream.off('close', onEnd);
      c.stream.off('error', onError);
      this.pool.discard(c); // kills it if still running; removal happens in the background
    }
  }

  /** The harness vanished: find out whether the program (memory, signals) or the infrastructure did it. */
  private async whyDied(c: WarmContainer, streamError: Error | undefined, started: boolean): Promise<string> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await c.container.inspect();
    } catch (err) {
      throw new SandboxUnavailableError(`lost the sandbox container: ${(err as Error).message}`, { cause: err });
    }
    if (info.State.OOMKilled) return 'killed: the container ran out of memory';
    const signal = await this.pool.killedFromOutside(c.id);
    if (signal !== undefined) {
      throw new ContainerLostError(
        `the sandbox container ${c.id.slice(0, 12)} was killed from outside (signal ${signal}: docker kill/stop or a daemon shutdown)`,
      );
    }
    if (!started) {
      // No `start` record: the harness died before reading the request, so nothing of the program ran.
      throw new ContainerLostError(
        `the sandbox harness of container ${c.id.slice(0, 12)} exited (code ${info.State.ExitCode}) before reading the submission`,
      );
    }
    if (streamError && info.State.Running) {
      throw new SandboxUnavailableError(`lost the connection to the sandbox container: ${streamError.message}`);
    }
    return `the sandbox harness was killed (container exit code ${info.State.ExitCode}); the program probably signalled it`;
  }
}
