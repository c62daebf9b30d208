// One place that connects to the Docker daemon and turns "no daemon" into an actionable message.
import Docker from 'dockerode';
import { SandboxUnavailableError } from './contract.js';

export const START_DOCKER_HINT =
  'No Docker daemon answers. Install and start one with `bash .ci/docker.sh` (installs docker.io, starts dockerd), ' +
  'or start it yourself (`sudo dockerd &` / `sudo systemctl start docker`); set DOCKER_HOST if it listens elsewhere.';

export function connectDocker(): Docker {
  // dockerode reads DOCKER_HOST itself; the default is /var/run/docker.sock.
  return new Docker();
}

/** Resolves when the daemon answers within `timeoutMs`; throws SandboxUnavailableError with the hint otherwise. */
export async function pingDocker(docker: Docker, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new SandboxUnavailableError(`${START_DOCKER_HINT} (${(err as Error).message})`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** True when a daemon answers (never throws). */
export async function dockerAvailable(timeoutMs = 2000): Promise<boolean> {
  try {
    await pingDocker(connectDocker(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}
