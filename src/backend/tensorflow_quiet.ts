// TensorFlow's C++ runtime logs start-up chatter (oneDNN notices, cpu feature guards, absl's "log messages
// before InitializeLog") to stderr as soon as libtensorflow loads; rl's backend line is meant to be the one
// message. The library reads these variables at load time, so they are set before tfjs-node is imported.
// A value the user set is kept.
export function quietTensorflowEnv(env: NodeJS.ProcessEnv = process.env): void {
  // 0 = all, 1 = no INFO, 2 = no INFO/WARNING, 3 = no ERROR either; errors still surface as JS exceptions.
  env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}
