// SandboxFusion-compatible HTTP API on node:http: POST /run_code, POST /judge, GET /v1/ping.
// Answers as SandboxFusion (FastAPI) does, since clients such as verl branch on the status code:
// a request that fails validation gets 422 with FastAPI's `detail` list (plus a one-line `error`);
// a sandbox failure on /run_code is a 200 with `status: "SandboxError"` (verl retries only on 504
// and treats any other non-200 as an API error); /judge, our own endpoint, answers it with 503.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxProvider } from './contract.js';
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { hostname } from 'node:os';
import { SandboxValidationError, parseJudgeRequest, parseRunCodeRequest } from './schemas.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SandboxServer {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly detail?: unknown) {
    super(message);
  }
}

/** SandboxFusion reports MY_POD_NAME (null outside Kubernetes); we name the host when it is unset. */
const EXECUTOR = process.env.MY_POD_NAME || hostname();

/** FastAPI's validation-error items: {type, loc: ["body", ...path], msg}. */
function fastApiDetail(err: SandboxValidationError): unknown[] {
  return err.issues.map((i) => ({ type: i.code, loc: ['body', ...i.path], msg: i.message }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body: larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function parseJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = `body: not valid JSON (${(err as Error).message})`;
    throw new HttpError(422, msg, [{ type: 'json_invalid', loc: ['body'], msg }]);
  }
}

export function createSandboxHandler(provider: SandboxProvider) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && (path === '/v1/ping' || path === '/health')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('pong');
        return;
      }
      if (req.method !== 'POST' || (path !== '/run_code' && path !== '/judge')) {
        throw new HttpError(404, `Not Found: no route ${req.method} ${path} (POST /run_code, POST /judge, GET /v1/ping)`);
      }
      const body = await parseJson(req);
      if (path === '/run_code') {
        send(res, 200, { ...(await provider.runCode(parseRunCodeRequest(body))), executor_pod_name: EXECUTOR });
      } else {
        send(res, 200, await provider.judge(parseJudgeRequest(body)));
      }
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { detail: err.detail ?? err.message, error: err.message });
      } else if (err instanceof SandboxValidationError) {
        send(res, 422, { detail: fastApiDetail(err), error: err.message });
      } else if (err instanceof SandboxRequestError) {
        // Refused after validation (e.g. a test type the language cannot run): still the client's request.
        send(res, 422, { detail: [{ type: 'value_error', loc: ['body'], msg: err.message }], error: err.message });
      } else if (err instanceof SandboxUnavailableError) {
        if (path === '/run_code') {
          send(res, 200, {
            status: 'SandboxError', message: err.message, compile_result: null, run_result: null, files: {},
            executor_pod_name: EXECUTOR,
          });
        } else send(res, 503, { error: err.message });
      } else send(res, 500, { error: `internal error: ${(err as Error).message}` });
    }
  };
}

/** Starts the server (default 127.0.0.1; port 0 picks a free one). */
export function startSandboxServer(provider: SandboxProvider, opts: { port?: number; host?: string } = {}): Promise<SandboxServer> {
  const handler = createSandboxHandler(provider);
  const server = createServer((req, res) => {
    handler(req, res).catch(() => send(res, 500, { error: 'internal error' }));
  });
  server.requestTimeout = 0; // long judge requests are normal
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        server,
        url: `http://${host}:${addr.port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
