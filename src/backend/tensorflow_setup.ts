// `rl setup tensorflow [--gpu]`: makes the tensorflow backend available without libtensorflow's download
// (tfjs-node's install script fetches it from a host that is often unreachable). Steps:
//   1. pip-installs the TensorFlow wheel (tensorflow-cpu; tensorflow[and-cuda] with --gpu) into .rl/tensorflow/<v>/py;
//      the wheel ships TensorFlow's C and eager C APIs in libtensorflow_cc.so.2 + libtensorflow_framework.so.2;
//   2. installs @tensorflow/tfjs-node(-gpu) with npm --ignore-scripts (no download);
//   3. builds its native addon with node-gyp against the wheel's headers and libraries;
//   4. puts the addon where tfjs-node loads it (lib/napi-v8) with deps/lib links to the wheel's libraries;
//   5. verifies it in a child process with one op, and reports TF_Version.
// Idempotent: the wheel and the built addon are kept (stamp.json says against what), so a re-run after `npm ci`
// only reinstalls the npm package and copies the addon.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  NAPI_BUILD_VERSION, TF_ACCEPTED, TFJS_NODE_VERSION, installedAddon, rlRoot, tfPaths, type TfPaths, type TfVariant,
} from './tensorflow_paths.js';

export interface TensorflowSetupOptions {
  gpu: boolean;
  /** Extra pip arguments (RL_PIP_ARGS), e.g. `--index-url file:///opt/pypi/simple --find-links /opt/wheels`. */
  pipArgs: string[];
  /** Rebuild even when the stamp matches. */
  force?: boolean;
  python?: string;
  log?: (line: string) => void;
}

export interface TensorflowSetupResult {
  variant: TfVariant;
  tfVersion: string;
  pkg: string;
  /** Which steps ran (the rest were already done). */
  did: string[];
  seconds: number;
}

/** A missing prerequisite: the message names what to install. */
export class SetupPrerequisiteError extends Error {}

interface Stamp {
  tfVersion: string;
  tfjsNode: string;
  napi: number;
  node: string;
}

const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) return { ok: false, out: String(r.error.message) };
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Checks every prerequisite that does not depend on the others, and throws one error per missing one. */
function checkPrerequisites(python: string): { nodeGyp: string; nodeDir: string } {
  if (process.platform !== 'linux') {
    throw new SetupPrerequisiteError(`rl setup tensorflow supports Linux (the pip wheel's .so libraries); this is ${process.platform}`);
  }
  if (!run(python, ['--version']).ok) {
    throw new SetupPrerequisiteError(`${python} not found: install Python 3 (apt-get install python3 python3-pip), or set RL_PYTHON to one`);
  }
  if (!run(python, ['-m', 'pip', '--version']).ok) {
    throw new SetupPrerequisiteError(`pip is missing for ${python}: install it (apt-get install python3-pip)`);
  }
  const cxx = process.env.CXX ?? 'c++';
  if (!run(cxx, ['--version']).ok) {
    throw new SetupPrerequisiteError(`no C++ compiler (${cxx}): install one (apt-get install g++), or set CXX`);
  }
  if (!run('make', ['--version']).ok) throw new SetupPrerequisiteError('make is missing: install it (apt-get install make)');
  return { nodeGyp: findNodeGyp(), nodeDir: findNodeHeaders() };
}

/** node-gyp ships inside npm; a global one is the fallback. */
function findNodeGyp(): string {
  const bin = path.dirname(process.execPath);
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(bin, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(bin, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  throw new SetupPrerequisiteError(`node-gyp not found (it ships with npm; looked in ${candidates.join(', ')}): install it (npm install -g node-gyp)`);
}

/**
 * A --nodedir for node-gyp: a folder with include/node/node_api.h of this Node's version, so node-gyp does not
 * download headers. The official tarballs have it next to bin/; Debian's nodejs puts it in /usr/include/node.
 */
function findNodeHeaders(): string {
  const want = process.versions.node;
  const candidates = [process.env.RL_NODE_HEADERS, path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local']
    .filter((p): p is string => !!p);
  const seen: string[] = [];
  for (const dir of candidates) {
    const versionH = path.join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(path.join(dir, 'include', 'node', 'node_api.h')) || !existsSync(versionH)) continue;
    const h = readFileSync(versionH, 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(h)?.[1]).join('.');
    if (v === want) return dir;
    seen.push(`${dir}/include/node is ${v}`);
  }
  throw new SetupPrerequisiteError(
    `Node ${want}'s C headers not found (looked in ${candidates.map((d) => `${d}/include/node`).join(', ')}` +
      `${seen.length ? `; ${seen.join(', ')}` : ''}): install them (the official Node tarball has include/node; ` +
      `Debian: apt-get install libnode-dev), or set RL_NODE_HEADERS to the folder above include/node`,
  );
}

function readStamp(p: TfPaths): Stamp | null {
  try {
    return JSON.parse(readFileSync(p.stamp, 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** The installed wheel's version, from its dist-info (pip --target leaves it next to the package). */
function wheelVersion(p: TfPaths, variant: TfVariant): string | null {
  if (!LIBS.every((l) => existsSync(path.join(p.py, 'tensorflow', l)))) return null;
  const dist = variant === 'gpu' ? 'tensorflow' : 'tensorflow_cpu';
  const info = run('sh', ['-c', `ls -d ${JSON.stringify(p.py)}/${dist}-*.dist-info 2>/dev/null`]).out.trim().split('\n')[0];
  const m = info ? /-(\d[^-]*)\.dist-info$/.exec(info) : null;
  return m ? m[1]! : null;
}

function pipInstall(p: TfPaths, variant: TfVariant, python: string, pipArgs: string[], log: (s: string) => void): string {
  // The GPU build needs its NVIDIA library packages (and-cuda) next to it; the CPU build needs nothing else
  // for the C API (numpy, keras, ... are for the Python API), so --no-deps keeps it to one wheel.
  const req = variant === 'gpu' ? `tensorflow[and-cuda]${TF_ACCEPTED.spec}` : `tensorflow-cpu${TF_ACCEPTED.spec}`;
  const depArgs = variant === 'gpu' ? [] : ['--no-deps'];
  rmSync(p.py, { recursive: true, force: true });
  log(`pip install ${req} into ${p.py}${pipArgs.length ? ` (RL_PIP_ARGS: ${pipArgs.join(' ')})` : ''}`);
  const r = run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location',
    '--target', p.py, ...depArgs, ...pipArgs, req], { env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } });
  if (!r.ok) {
    const noWheel = /No matching distribution|Could not find a version/i.test(r.out);
    throw new SetupPrerequisiteError(
      (noWheel
        ? `pip found no ${req} wheel for ${python}: TensorFlow ${TF_ACCEPTED.text} must be installable by pip here ` +
          `(pass the folder or index that has it in RL_PIP_ARGS, e.g. RL_PIP_ARGS="--find-links /path/to/wheels")`
        : `pip install ${req} failed`) + `\n${tail(r.out)}`,
    );
  }
  const v = wheelVersion(p, variant);
  if (!v) throw new Error(`pip installed ${req} but ${p.py}/tensorflow lacks ${LIBS.join(' / ')}`);
  return v;
}

/** @tensorflow/tfjs-node(-gpu) from the npm registry without its install script (the libtensorflow download). */
function npmInstall(p: TfPaths, root: string, log: (s: string) => void): void {
  const pj = path.join(p.pkgDir, 'package.json');
  if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { version: string }).version === TFJS_NODE_VERSION) return;
  log(`npm install ${p.pkg}@${TFJS_NODE_VERSION} --ignore-scripts`);
  const npm = path.join(path.dirname(process.execPath), 'npm');
  const r = run(existsSync(npm) ? npm : 'npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund',
    `${p.pkg}@${TFJS_NODE_VERSION}`], { cwd: root });
  if (!r.ok || !existsSync(pj)) throw new Error(`npm install ${p.pkg}@${TFJS_NODE_VERSION} failed\n${tail(r.out)}`);
}

/** node-gyp build of the addon sources against the wheel: deps/include and deps/lib are links into it. */
function buildAddon(p: TfPaths, nodeGyp: string, nodeDir: string, log: (s: string) => void): void {
  rmSync(p.build, { recursive: true, force: true });
  mkdirSync(path.join(p.build, 'deps', 'lib'), { recursive: true });
  cpSync(path.join(p.pkgDir, 'binding'), path.join(p.build, 'binding'), { recursive: true });
  copyFileSync(path.join(p.pkgDir, 'binding.gyp'), path.join(p.build, 'binding.gyp'));
  const tfDir = path.join(p.py, 'tensorflow');
  symlinkSync(path.join(tfDir, 'include'), path.join(p.build, 'deps', 'include'));
  // binding.gyp links -ltensorflow -ltensorflow_framework; the wheel names them libtensorflow_cc.so.2 / ….so.2.
  symlinkSync(path.join(tfDir, 'libtensorflow_cc.so.2'), path.join(p.build, 'deps', 'lib', 'libtensorflow.so'));
  symlinkSync(path.join(tfDir, 'libtensorflow_framework.so.2'), path.join(p.build, 'deps', 'lib', 'libtensorflow_framework.so'));
  log(`node-gyp build of ${p.pkg}'s addon against ${tfDir} (about a minute)`);
  const out = path.join(p.build, 'out');
  const r = run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, `--napi_build_version=${NAPI_BUILD_VERSION}`,
    '--module_name=tfjs_binding', `--module_path=${out}`, `--jobs=${Math.min(4, availableParallelism())}`],
  { cwd: p.build });
  const built = path.join(out, 'tfjs_binding.node');
  if (!r.ok || !existsSync(built)) throw new Error(`node-gyp failed to build the tfjs-node addon\n${tail(r.out, 25)}`);
  copyFileSync(built, p.addon);
}

/** Our stderr-silencing addon (src/backend/native), built with the same node-gyp and headers: seconds. */
function buildQuietAddon(p: TfPaths, root: string, nodeGyp: string, nodeDir: string, log: (s: string) => void): void {
  const dir = path.join(p.home, 'quiet_build');
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(root, 'src', 'backend', 'native'), dir, { recursive: true });
  log('node-gyp build of the start-up quieting addon (src/backend/native)');
  const r = run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], { cwd: dir });
  const built = path.join(dir, 'build', 'Release', 'quiet_stderr.node');
  if (!r.ok || !existsSync(built)) throw new Error(`node-gyp failed to build src/backend/native/quiet_stderr.c\n${tail(r.out, 25)}`);
  copyFileSync(built, p.quietAddon);
  rmSync(dir, { recursive: true, force: true });
}

/** The addon where node-pre-gyp finds it, and the exact .so.2 names it asks for under its rpath ($ORIGIN/../../deps/lib). */
function installAddon(p: TfPaths): void {
  const dest = installedAddon(p);
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(p.addon, dest);
  const lib = path.join(p.pkgDir, 'deps', 'lib');
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  for (const name of LIBS) symlinkSync(path.join(p.py, 'tensorflow', name), path.join(lib, name));
  // GPU: the CUDA libraries come as pip packages under py/nvidia/*/lib; linked next to libtensorflow so the loader
  // finds them through its $ORIGIN run path. (Untested here: no NVIDIA machine; README says so.)
  const nvidia = path.join(p.py, 'nvidia');
  if (existsSync(nvidia)) {
    for (const pkg of readdirSync(nvidia)) {
      const dir = path.join(nvidia, pkg, 'lib');
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (/\.so(\.|$)/.test(f) && !existsSync(path.join(lib, f))) symlinkSync(path.join(dir, f), path.join(lib, f));
    }
  }
}

/** Loads the installed package in a fresh process (a bad addon must not take this one down) and runs one op. */
export function verifyTensorflow(p: TfPaths): { ok: true; tfVersion: string } | { ok: false; why: string } {
  const script = `const tf = require(${JSON.stringify(p.pkgDir)});
const y = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync();
if (tf.getBackend() !== 'tensorflow' || y[0] !== 4 || y[1] !== 6) throw new Error('bad result ' + tf.getBackend() + ' ' + y);
process.stdout.write(tf.backend().binding.TF_Version);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (r.status !== 0) return { ok: false, why: tail(`${r.stderr}${r.error?.message ?? ''}`, 8) };
  return { ok: true, tfVersion: r.stdout.trim() };
}

export function setupTensorflow(opts: TensorflowSetupOptions): TensorflowSetupResult {
  const started = Date.now();
  const log = opts.log ?? ((s: string) => console.error(`[setup tensorflow] ${s}`));
  const variant: TfVariant = opts.gpu ? 'gpu' : 'cpu';
  const root = rlRoot();
  const p = tfPaths(variant, root);
  const python = opts.python ?? process.env.RL_PYTHON ?? 'python3';
  const did: string[] = [];
  mkdirSync(p.home, { recursive: true });
  // Checked once, and only when something has to be built.
  let checked: ReturnType<typeof checkPrerequisites> | undefined;
  const prerequisites = () => (checked ??= checkPrerequisites(python));

  const stamp = opts.force ? null : readStamp(p);
  const current: Omit<Stamp, 'tfVersion'> = { tfjsNode: TFJS_NODE_VERSION, napi: NAPI_BUILD_VERSION, node: process.versions.node };
  let tfVersion = wheelVersion(p, variant);
  const upToDate = !!stamp && stamp.tfVersion === tfVersion && stamp.tfjsNode === current.tfjsNode &&
    stamp.napi === current.napi && existsSync(p.addon);
  if (!upToDate) {
    const { nodeGyp, nodeDir } = prerequisites();
    if (!tfVersion?.startsWith(TF_ACCEPTED.prefix) || opts.force) {
      tfVersion = pipInstall(p, variant, python, opts.pipArgs, log);
      did.push('pip');
    }
    npmInstall(p, root, log);
    buildAddon(p, nodeGyp, nodeDir, log);
    did.push('build');
  } else {
    npmInstall(p, root, log);
  }
  if (!existsSync(p.quietAddon) || did.includes('build')) {
    const { nodeGyp, nodeDir } = prerequisites();
    buildQuietAddon(p, root, nodeGyp, nodeDir, log);
    did.push('quiet');
  }
  installAddon(p);
  const v = verifyTensorflow(p);
  if (!v.ok) throw new Error(`${p.pkg} was built but does not load:\n${v.why}`);
  if (!v.tfVersion.startsWith(TF_ACCEPTED.prefix)) {
    throw new Error(`${p.pkg} loaded TensorFlow ${v.tfVersion}; rl accepts ${TF_ACCEPTED.text}`);
  }
  writeFileSync(p.stamp, JSON.stringify({ tfVersion: tfVersion ?? v.tfVersion, ...current } satisfies Stamp, null, 2) + '\n');
  return { variant, tfVersion: v.tfVersion, pkg: p.pkg, did, seconds: (Date.now() - started) / 1000 };
}
