// Errors of the sandbox infrastructure (as opposed to a program failing, which is a verdict).

/**
 * The sandbox could not run the submission at all (Docker daemon down, container start failed,
 * remote sandbox unreachable or answering 5xx). Nothing is known about the program: the caller
 * should retry, not score it 0.
 */
export class SandboxUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxUnavailableError';
  }
}

/** A request the sandbox refuses (bad field, unsupported language/test combination). Not retryable. */
export class SandboxRequestError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}

export function isRetryableSandboxError(err: unknown): boolean {
  return err instanceof SandboxUnavailableError;
}
