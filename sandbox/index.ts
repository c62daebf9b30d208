// Public API of the sandbox: the contract, the providers and their factory, image build, HTTP server.
export type * from './contract.js';
export { createSandboxProvider, SANDBOX_PROVIDERS } from './providers.js';
export type { SandboxProviderConfig, SandboxProviderName } from './providers.js';
export { LocalSandbox, LOCAL_WARNING } from './local-sandbox.js';
export { RemoteSandbox } from './remote-sandbox.js';
export { exactMatch, lenientMatch, outputsMatch, COMPARE_MODES } from './compare.js';
export { callProgram, programFor, verdictCode, CALL_IMPORT_HEADER } from './programs.js';
export { buildSandboxImage, sandboxImageTag, baseImageTag, imageExists, IMAGE_RECIPE } from './image.js';
export type { BuildOptions, BuildResult } from './image.js';
export { DockerSandbox } from './docker-sandbox.js';
export type { DockerSandboxOptions } from './docker-sandbox.js';
export { WarmPool, containerCreateOptions, removeOrphanContainers, POOL_LABEL } from './pool.js';
export { startSandboxServer, createSandboxHandler } from './server.js';
export type { SandboxServer } from './server.js';
export { SandboxUnavailableError, SandboxRequestError, isRetryableSandboxError } from './contract.js';
export { dockerAvailable, pingDocker, connectDocker, START_DOCKER_HINT } from './docker-client.js';
export { judgeRequestSchema, runCodeRequestSchema, testCaseSchema, parseJudgeRequest, parseRunCodeRequest } from './schemas.js';
export { OUTPUT_CAP_BYTES, DEFAULT_MEMORY_MB, DEFAULT_RUN_TIMEOUT_S } from './protocol.js';
