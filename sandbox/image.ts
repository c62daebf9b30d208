// Builds the sandbox image offline: debootstrap (Debian packages only, no registry) → docker import
// → a small docker build on top (harness, non-root user). Tags encode the recipe so a changed
// recipe or harness gives a new image and an unchanged one is reused.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { connectDocker, pingDocker } from './docker-client.js';
import { harnessPath } from './paths.js';

/** Bump `version` to force a rebuild when something outside these fields changes. */
export const IMAGE_RECIPE = {
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  // python3 first; g++ (~200 MB) and nodejs (~70 MB) make cpp/nodejs available. bash is in minbase.
  packages: ['python3', 'g++', 'nodejs'],
} as const;

export const IMAGE_REPO = 'rl-sandbox';
const BASE_REPO = 'rl-sandbox-base';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

// Paths removed from the debootstrap tree: apt caches/lists, docs, man pages, locales (~230 MB).
const STRIP_PATHS = [
  'var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info',
  'usr/share/locale', 'usr/share/lintian', 'var/log', 'var/cache/debconf',
];

export function dockerfileText(baseTag: string): string {
  return [
    `FROM ${baseTag}`,
    'COPY harness.py /opt/rl/harness.py',
    // minbase has no useradd; the user only needs a name for tools that look it up.
    "RUN echo 'sandbox:x:1000:1000:sandbox:/tmp:/bin/sh' >> /etc/passwd && echo 'sandbox:x:1000:' >> /etc/group" +
      ' && python3 -m compileall -q /opt/rl && chmod -R a+rX /opt/rl',
    'ENV RL_SANDBOX_CONTAINER=1 RL_WORKDIR=/tmp/work HOME=/tmp LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1',
    'USER 1000:1000',
    'WORKDIR /tmp',
    `CMD ["python3", "-c", "import sys; sys.path.insert(0, '/opt/rl'); import harness; harness.main()"]`,
    '',
  ].join('\n');
}

function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 12);
}

export function baseImageTag(): string {
  return `${BASE_REPO}:v${IMAGE_RECIPE.version}-${shortHash(JSON.stringify(IMAGE_RECIPE))}`;
}

/** The image the runner uses; changes whenever the recipe, the Dockerfile or the harness changes. */
export function sandboxImageTag(): string {
  const base = baseImageTag();
  return `${IMAGE_REPO}:v${IMAGE_RECIPE.version}-${shortHash(base, dockerfileText(base), readFileSync(harnessPath(), 'utf8'))}`;
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

export interface BuildOptions {
  docker?: Docker;
  /** Debian mirror for debootstrap (default: $RL_SANDBOX_MIRROR or deb.debian.org). */
  mirror?: string;
  log?: (line: string) => void;
  /** Rebuild even if the image exists. */
  force?: boolean;
}

export interface BuildResult {
  tag: string;
  built: boolean;
  seconds: number;
}

/** Ensures the sandbox image exists (idempotent). Returns its tag. */
export async function buildSandboxImage(opts: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((line: string) => process.stderr.write(`[sandbox build] ${line}\n`));
  const docker = opts.docker ?? connectDocker();
  await pingDocker(docker);
  const tag = sandboxImageTag();
  if (!opts.force && (await imageExists(docker, tag))) {
    log(`image ${tag} already present`);
    return { tag, built: false, seconds: (performance.now() - t0) / 1000 };
  }
  const base = baseImageTag();
  if (opts.force || !(await imageExists(docker, base))) {
    await buildBaseImage(docker, base, opts.mirror ?? process.env.RL_SANDBOX_MIRROR ?? DEFAULT_MIRROR, log);
  } else {
    log(`base image ${base} already present`);
  }
  await buildTopImage(docker, base, tag, log);
  await pruneOldImages(docker, tag, base);
  const seconds = (performance.now() - t0) / 1000;
  log(`image ${tag} ready in ${seconds.toFixed(1)} s`);
  return { tag, built: true, seconds };
}

async function buildBaseImage(docker: Docker, tag: string, mirror: string, log: (l: string) => void): Promise<void> {
  if (process.getuid && process.getuid() !== 0) {
    throw new Error('building the sandbox base image needs root (debootstrap); run `rl sandbox build` as root');
  }
  const debootstrap = findCommand('debootstrap');
  if (!debootstrap) {
    throw new Error('debootstrap is not installed: run `bash .ci/docker.sh` or `apt-get install debootstrap`');
  }
  const dir = mkdtempSync(join(tmpdir(), 'rl-sandbox-rootfs-'));
  try {
    const include = IMAGE_RECIPE.packages.join(',');
    log(`debootstrap --variant=${IMAGE_RECIPE.variant} --include=${include} ${IMAGE_RECIPE.suite} (${mirror}) ...`);
    await run(debootstrap, [`--variant=${IMAGE_RECIPE.variant}`, `--include=${include}`, IMAGE_RECIPE.suite, dir, mirror]);
    for (const p of STRIP_PATHS) {
      rmSync(join(dir, p), { recursive: true, force: true });
    }
    log(`docker import → ${tag}`);
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tarErr = '';
    tar.stderr.on('data', (b) => (tarErr += b));
    // Listen before awaiting the import: tar may finish first, and a late listener never fires.
    const tarDone = new Promise<number | null>((resolve) => tar.on('close', resolve));
    const [repo, version] = tag.split(':');
    const stream = await docker.importImage(tar.stdout, { repo, tag: version });
    await followProgress(docker, stream);
    const code = await tarDone;
    if (code !== 0) throw new Error(`tar of the rootfs failed (${code}): ${tarErr.slice(-500)}`);
    if (!(await imageExists(docker, tag))) throw new Error(`docker import did not produce ${tag}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildTopImage(docker: Docker, base: string, tag: string, log: (l: string) => void): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'rl-sandbox-ctx-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfileText(base));
    copyFileSync(harnessPath(), join(ctx, 'harness.py'));
    log(`docker build → ${tag}`);
    const stream = await docker.buildImage(
      { context: ctx, src: ['Dockerfile', 'harness.py'] },
      { t: tag, networkmode: 'none', rm: true, forcerm: true, labels: { 'rl.sandbox.recipe': String(IMAGE_RECIPE.version) } },
    );
    await followProgress(docker, stream);
    if (!(await imageExists(docker, tag))) throw new Error(`docker build did not produce ${tag}`);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        if (err) return reject(err);
        const failed = output.find((o) => o.error || o.errorDetail);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve();
      },
    );
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (exit ${code}):\n${tail}`))));
  });
}

function findCommand(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/** Removes sandbox images of older recipes/harnesses (unused ones only; errors are ignored). */
async function pruneOldImages(docker: Docker, keepTag: string, keepBase: string): Promise<void> {
  const images = await docker.listImages().catch(() => []);
  for (const img of images) {
    for (const t of img.RepoTags ?? []) {
      const repo = t.split(':')[0];
      if ((repo === IMAGE_REPO && t !== keepTag) || (repo === BASE_REPO && t !== keepBase)) {
        await docker.getImage(t).remove().catch(() => undefined);
      }
    }
  }
}
