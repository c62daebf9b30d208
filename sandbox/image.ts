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
import { packageRoot } from './paths.js';

/**
 * Debian packages per language of /run_code. Bump `version` to force a rebuild when something outside
 * these fields changes. python carries what benchmark prompts and competitive-programming solutions
 * import (SandboxFusion's HumanEval header imports numpy; its isolation tests use requests).
 */
export const IMAGE_RECIPE = {
  version: 2,
  suite: 'bookworm',
  variant: 'minbase',
  // apt inside the rootfs sees exactly these suites (point releases and security fixes included).
  suites: ['bookworm', 'bookworm-updates', 'bookworm-security'],
  packages: {
    python: ['python3', 'python3-numpy', 'python3-scipy', 'python3-sympy', 'python3-pandas', 'python3-sortedcontainers', 'python3-requests'],
    pytest: ['python3-pytest'],
    cpp: ['g++'],
    nodejs: ['nodejs', 'node-lodash'],
    typescript: ['node-typescript'],
    java: ['default-jdk-headless', 'libjavatuples-java'],
    go: ['golang-go'],
    rust: ['rustc'],
    bash: [], // in minbase
  },
} as const;

export const IMAGE_REPO = 'rl-sandbox';
const BASE_REPO = 'rl-sandbox-base';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';

// Paths removed from the rootfs: apt caches/lists, docs, man pages, locales, the JDK's jmods (only jlink
// reads them, ~75 MB).
const STRIP_PATHS = [
  'var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info',
  'usr/share/locale', 'usr/share/lintian', 'var/log', 'var/cache/debconf', 'usr/lib/jvm/java-17-openjdk-amd64/jmods',
];

/** Files of sandbox/ copied into the image next to the harness (all of them hash into the tag). */
const RUNTIME_FILES = ['harness.py', 'ts-transpile.cjs'];

export function dockerfileText(baseTag: string): string {
  return [
    `FROM ${baseTag}`,
    ...RUNTIME_FILES.map((f) => `COPY ${f} /opt/rl/${f}`),
    // minbase has no useradd; the user only needs a name for tools that look it up. /etc/hosts for runs
    // outside Docker's own (which it mounts over it). /mnt: Docker copies the directory's mode onto the
    // tmpfs mounted there, so it must be world-writable (sticky) in the image.
    "RUN echo 'sandbox:x:1000:1000:sandbox:/tmp:/bin/sh' >> /etc/passwd && echo 'sandbox:x:1000:' >> /etc/group" +
      " && printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts" +
      ' && mkdir -p /mnt && chmod 1777 /mnt && python3 -m compileall -q /opt/rl && chmod -R a+rX /opt/rl',
    // Compilers write caches under HOME; HOME and the caches live on the /tmp tmpfs. GOPROXY=off: no network
    // anyway, fail at once instead of timing out. NODE_PATH: Debian's node-* modules (lodash) for require().
    'ENV RL_SANDBOX_CONTAINER=1 RL_WORKDIR=/tmp/work HOME=/tmp LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 \\',
    '    GOCACHE=/tmp/.cache/go-build GOPATH=/tmp/go GOPROXY=off GOFLAGS=-buildvcs=false GO111MODULE=auto \\',
    '    NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs CARGO_HOME=/tmp/.cargo',
    'USER 1000:1000',
    'WORKDIR /tmp',
    `CMD ["python3", "-c", "import sys; sys.path.insert(0, '/opt/rl'); import harness; harness.main()"]`,
    '',
  ].join('\n');
}

function runtimeFile(name: string): string {
  return join(packageRoot(), 'sandbox', name);
}

/** Every Debian package the recipe installs on top of minbase. */
export function recipePackages(): string[] {
  return [...new Set(Object.values(IMAGE_RECIPE.packages).flat())].sort();
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
  return `${IMAGE_REPO}:v${IMAGE_RECIPE.version}-${shortHash(base, dockerfileText(base), ...RUNTIME_FILES.map((f) => readFileSync(runtimeFile(f), 'utf8')))}`;
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
    throw new Error('building the sandbox base image needs root (debootstrap, chroot); run `rl sandbox build` as root');
  }
  const debootstrap = findCommand('debootstrap');
  if (!debootstrap) {
    throw new Error('debootstrap is not installed: run `bash .ci/docker.sh` or `apt-get install debootstrap`');
  }
  const dir = mkdtempSync(join(tmpdir(), 'rl-sandbox-rootfs-'));
  let procMounted = false;
  try {
    let t = performance.now();
    const lap = () => {
      const s = ((performance.now() - t) / 1000).toFixed(0);
      t = performance.now();
      return `${s} s`;
    };
    log(`debootstrap --variant=${IMAGE_RECIPE.variant} ${IMAGE_RECIPE.suite} (${mirror}) ...`);
    await run(debootstrap, [`--variant=${IMAGE_RECIPE.variant}`, IMAGE_RECIPE.suite, dir, mirror]);
    log(`debootstrap done (${lap()})`);
    // The language packages go in with apt inside the rootfs: parallel downloads, one dpkg run, and the
    // -updates/-security suites that debootstrap alone cannot add.
    writeFileSync(join(dir, 'etc/apt/sources.list'), aptSources(mirror));
    writeFileSync(join(dir, 'etc/apt/apt.conf.d/90rl'), 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Retries "3";\n');
    writeFileSync(join(dir, 'etc/dpkg/dpkg.cfg.d/90rl-unsafe-io'), 'force-unsafe-io\n'); // no fsync per file: a throwaway tree
    writeFileSync(join(dir, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 }); // never start services
    copyFileSync('/etc/resolv.conf', join(dir, 'etc/resolv.conf'));
    await run('mount', ['-t', 'proc', 'proc', join(dir, 'proc')]); // the JDK's postinst runs java
    procMounted = true;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    log('apt-get update ...');
    await run('chroot', [dir, 'apt-get', 'update', '-qq'], env);
    const packages = recipePackages();
    log(`apt-get install ${packages.join(' ')} ...`);
    await run('chroot', [dir, 'apt-get', 'install', '-y', '-qq', ...packages], env);
    await run('chroot', [dir, 'apt-get', 'clean'], env);
    log(`packages installed (${lap()})`);
    await run('umount', [join(dir, 'proc')]);
    procMounted = false;
    for (const p of [...STRIP_PATHS, 'etc/dpkg/dpkg.cfg.d/90rl-unsafe-io', 'usr/sbin/policy-rc.d', 'etc/resolv.conf']) {
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
    log(`imported (${lap()})`);
  } finally {
    if (procMounted) await run('umount', ['-l', join(dir, 'proc')]).then(() => (procMounted = false), () => undefined);
    // Never recurse into a still-mounted /proc.
    if (!procMounted) rmSync(dir, { recursive: true, force: true });
  }
}

/** sources.list of the rootfs: the recipe's suites, main only. */
export function aptSources(mirror: string): string {
  const security = process.env.RL_SANDBOX_SECURITY_MIRROR ?? DEFAULT_SECURITY_MIRROR;
  return IMAGE_RECIPE.suites
    .map((suite) => `deb ${suite.endsWith('-security') ? security : mirror} ${suite} main`)
    .join('\n') + '\n';
}

async function buildTopImage(docker: Docker, base: string, tag: string, log: (l: string) => void): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'rl-sandbox-ctx-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfileText(base));
    for (const f of RUNTIME_FILES) copyFileSync(runtimeFile(f), join(ctx, f));
    log(`docker build → ${tag}`);
    const stream = await docker.buildImage(
      { context: ctx, src: ['Dockerfile', ...RUNTIME_FILES] },
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

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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
