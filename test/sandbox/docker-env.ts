// Decides whether Docker-backed tests run: skip visibly without a daemon or image, never in CI.
import { connectDocker, pingDocker } from '../../sandbox/docker-client.js';
import { imageExists, sandboxImageTag } from '../../sandbox/image.js';

async function probe(): Promise<string | undefined> {
  const docker = connectDocker();
  try {
    await pingDocker(docker, 3000);
  } catch (err) {
    return (err as Error).message;
  }
  if (!(await imageExists(docker, sandboxImageTag()))) {
    return `sandbox image ${sandboxImageTag()} is missing (run \`node bin/rl.js sandbox build\`)`;
  }
  return undefined;
}

const why = await probe();
if (why && process.env.CI === 'true') {
  throw new Error(`CI=true: Docker sandbox tests cannot be skipped: ${why}`);
}
if (why) console.warn(`\n*** SKIPPING Docker sandbox tests: ${why}\n`);

/** True when the Docker daemon answers and the sandbox image exists. */
export const dockerReady = why === undefined;

/**
 * `docker ps -a` count, leaving out sandbox containers owned by OTHER processes (vitest runs test
 * files in parallel, each with its own pool); every container this process could leak is counted.
 */
export async function containerCount(): Promise<number> {
  const all = await connectDocker().listContainers({ all: true });
  return all.filter((c) => {
    const owner = c.Labels?.['rl.sandbox.owner'];
    return owner === undefined || owner === String(process.pid);
  }).length;
}
