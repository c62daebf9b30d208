// SandboxFusion-compatible HTTP API on node:http: POST /run_code, POST /judge, GET /v1/ping.
// Every request is validated (zod); a bad one gets a 400 naming the field, a sandbox failure a 503.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxProvider } from './contract.js';
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { parseJudgeRequest, parseRunCodeRequest } from './schemas.js';

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SandboxServer {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
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
  } catch {
    throw new HttpError(400, 'body: not valid JSON');
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
        throw new HttpError(404, `no route ${req.method} ${path} (POST /run_code, POST /judge, GET /v1/ping)`);
      }
      const body = await parseJson(req);
      if (path === '/run_code') {
        send(res, 200, await provider.runCode(parseRunCodeRequest(body)));
      } else {
        send(res, 200, await provider.judge(parseJudgeRequest(body)));
      }
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else if (err instanceof SandboxRequestError) send(res, 400, { error: err.message });
      else if (err instanceof SandboxUnavailableError) {
        // SandboxFusion reports sandbox failures in-band; /run_code clients (verl) look at `status`.
        const message = err.message;
        if (path === '/run_code') send(res, 503, { status: 'SandboxError', message, compile_result: null, run_result: null, files: {} });
        else send(res, 503, { error: message });
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
