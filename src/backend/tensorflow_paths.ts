// Where `rl setup tensorflow` puts things, shared by the setup and the backend probe: the rl package root,
// the project-local TensorFlow folder (.rl/tensorflow/<variant>) and the tfjs-node package it feeds.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type TfVariant = 'cpu' | 'gpu';

/** The TensorFlow releases the setup accepts: the pip wheels whose C API the addon was built and verified against. */
export const TF_ACCEPTED = { spec: '>=2.21,<2.22', prefix: '2.21.', text: '2.21.x' } as const;
/** tfjs-node(-gpu) release whose addon sources we build; it must equal the @tensorflow/tfjs in package.json. */
export const TFJS_NODE_VERSION = '4.22.0';
/** The N-API version the addon is built for: the highest tfjs-node 4.22 lists, which node-pre-gyp then looks up. */
export const NAPI_BUILD_VERSION = 8;

/** The rl package root (the folder holding its package.json and node_modules), found from this file. */
export function rlRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'rl') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the rl package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export interface TfPaths {
  /** npm package name of the tfjs binding for this variant. */
  pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
  /** .rl/tensorflow/<variant>: everything the setup makes (gitignored). */
  home: string;
  /** pip --target folder; the wheel's `tensorflow/` package lands in it. */
  py: string;
  /** node-gyp build folder (addon sources + deps/ links). */
  build: string;
  /** The built addon, kept here so a fresh `npm ci` is re-set up in seconds. */
  addon: string;
  /** Our own small addon that silences stderr while libtensorflow loads (src/backend/native). */
  quietAddon: string;
  /** What was built against what: the setup is skipped when it still matches. */
  stamp: string;
  /** The installed tfjs-node(-gpu) package folder. */
  pkgDir: string;
}

export function tfPaths(variant: TfVariant, root = rlRoot()): TfPaths {
  const home = path.join(root, '.rl', 'tensorflow', variant);
  const pkg = variant === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  return {
    pkg,
    home,
    py: path.join(home, 'py'),
    build: path.join(home, 'build'),
    addon: path.join(home, 'tfjs_binding.node'),
    quietAddon: path.join(home, 'quiet_stderr.node'),
    stamp: path.join(home, 'stamp.json'),
    pkgDir: path.join(root, 'node_modules', ...pkg.split('/')),
  };
}

/** Where tfjs-node's loader (node-pre-gyp's `find`) looks for the addon. */
export function installedAddon(p: TfPaths): string {
  return path.join(p.pkgDir, 'lib', `napi-v${NAPI_BUILD_VERSION}`, 'tfjs_binding.node');
}
