// Settings TensorFlow reads once, when libtensorflow loads: set before tfjs-node is imported. A value the user
// set is kept.
//  - TF_CPP_MIN_LOG_LEVEL=2: no INFO/WARNING start-up chatter (errors still surface as JS exceptions); rl's
//    backend line is meant to be the one message.
//  - TF_ENABLE_ONEDNN_OPTS=1: TensorFlow turns oneDNN on by itself only on CPUs with AVX-512 VNNI/BF16/AMX. On
//    the AVX2 CPUs measured here its matmuls with a wide output (the LM head, [4088, 384] × [384, 4096]) ran
//    2.3× faster than Eigen's (bench/RESULTS.md, 2026-12-03); set it to 0 to compare.
export function tensorflowLoadEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  env.TF_ENABLE_ONEDNN_OPTS ??= '1';
}
