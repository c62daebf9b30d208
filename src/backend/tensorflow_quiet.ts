// TensorFlow's C++ runtime logs start-up chatter (oneDNN notices, cpu feature guards, absl's "log messages
// before InitializeLog") to stderr as soon as libtensorflow loads; rl's backend line is meant to be the one
// message. The log level is set in tensorflow_env.ts; this silences what ignores it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Runs `load` (the import of tfjs-node) with file descriptor 2 pointed at /dev/null: TensorFlow 2.21 prints the
 * absl and oneDNN lines from C++ whatever TF_CPP_MIN_LOG_LEVEL says. Uses our addon built by `rl setup
 * tensorflow` (src/backend/native); without it the lines show, nothing else changes. A load failure still
 * surfaces as the exception. RL_TF_VERBOSE=1 keeps stderr as it is.
 */
export async function withStderrSilenced<T>(quietAddon: string, load: () => Promise<T>): Promise<T> {
  if (process.env.RL_TF_VERBOSE === '1' || !existsSync(quietAddon)) return load();
  const quiet = createRequire(import.meta.url)(quietAddon) as { silence(): number; restore(saved: number): void };
  const saved = quiet.silence();
  try {
    return await load();
  } finally {
    quiet.restore(saved);
  }
}
