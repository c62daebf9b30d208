// SandboxFusion-compatible HTTP API on node:http: POST /run_code, POST /judge, GET /v1/ping.
// Answers as SandboxFusion (FastAPI) does, since clients such as verl branch on the status code:
// a request that fails validation gets 422 with FastAPI's `detail` list (plus a one-line `error`);
// a sandbox failure on /run_code is a 200 with `status: "SandboxError"` (verl retries only on 504
// and treats any other non-200 as an API error); /judge, our own endpoint, answers it with 503.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxProvider } from './contract.js';
import { SandboxRequestError, SandboxUnavailableError } from './contract.js';
import { hostname } from 'node:os';
import { SandboxValidationError, parseJudgeRequest, parseRunCodeRequest } from './schemas.js';

/** Default request body limit: a submission with its files; 413 beyond. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface SandboxServerOptions {
  port?: number;
  /** Address to listen on (default 127.0.0.1: only this machine). */
  host?: string;
  /** When set, POST requests need `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Largest request body in bytes (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Requests admitted at once (running or waiting for a sandbox slot); beyond, 503 with Retry-After. Default 1024. */
  maxQueue?: number;
  /** Time to receive the request headers, ms (slowloris). Default 10 000. */
  headersTimeoutMs?: number;
  /** Time to receive the whole request (headers + body), ms; judging time does not count. Default 60 000. */
  requestTimeoutMs?: number;
}

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

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `body: larger than the server's limit of ${limit} bytes (rl sandbox serve --max-body-mb)`);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit)); // answered before reading a byte of it
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return; // drained and dropped: the 413 is already on its way
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** How much of a refused body is read and dropped, and for how long, before the connection is cut. */
const DROP_MAX_BYTES = 256 << 20;
const DROP_MAX_MS = 10_000;

/**
 * After a 413 the rest of the body is read and dropped. Closing with unread bytes makes the kernel reset the
 * connection, and the reset can destroy the 413 before the client reads it (seen under load). A client that
 * keeps sending past DROP_MAX_BYTES or DROP_MAX_MS is cut off.
 */
function dropRestOfBody(req: IncomingMessage): void {
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, DROP_MAX_MS);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DROP_MAX_BYTES) cut();
  });
  const done = () => clearTimeout(timer);
  req.once('end', done);
  req.once('close', done);
  req.resume();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return; // the client went away: nothing to answer
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

async function parseJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = `body: not valid JSON (${(err as Error).message})`;
    throw new HttpError(422, msg, [{ type: 'json_invalid', loc: ['body'], msg }]);
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]!.trim());
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function createSandboxHandler(provider: SandboxProvider, opts: SandboxServerOptions = {}) {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const maxQueue = opts.maxQueue ?? 1024;
  let admitted = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    let counted = false;
    try {
      if (req.method === 'GET' && (path === '/v1/ping' || path === '/health')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('pong');
        return;
      }
      if (req.method !== 'POST' || (path !== '/run_code' && path !== '/judge')) {
        throw new HttpError(404, `Not Found: no route ${req.method} ${path} (POST /run_code, POST /judge, GET /v1/ping)`);
      }
      if (opts.token !== undefined && !tokenMatches(req.headers.authorization, opts.token)) {
        res.setHeader('www-authenticate', 'Bearer');
        throw new HttpError(401, 'unauthorized: this sandbox server needs `Authorization: Bearer <token>` (RL_SANDBOX_TOKEN)');
      }
      if (admitted >= maxQueue) {
        res.setHeader('retry-after', '1');
        res.setHeader('connection', 'close');
        throw new HttpError(503, `busy: ${admitted} requests already running or queued (limit ${maxQueue}); retry after 1 s`);
      }
      admitted++;
      counted = true;
      const body = await parseJson(req, limit);
      if (path === '/run_code') {
        send(res, 200, { ...(await provider.runCode(parseRunCodeRequest(body))), executor_pod_name: EXECUTOR });
      } else {
        send(res, 200, await provider.judge(parseJudgeRequest(body)));
      }
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { detail: err.detail ?? err.message, error: err.message });
        if (err.status === 413) dropRestOfBody(req);
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
    } finally {
      if (counted) admitted--;
    }
  };
}

/** Starts the server (default 127.0.0.1; port 0 picks a free one). */
export function startSandboxServer(provider: SandboxProvider, opts: SandboxServerOptions = {}): Promise<SandboxServer> {
  const handler = createSandboxHandler(provider, opts);
  // Slowloris: headers and the whole request must arrive in time (408 otherwise). These clocks stop once the
  // request is received, so a long judge is not cut short.
  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  const server = createServer(
    { headersTimeout, requestTimeout: opts.requestTimeoutMs ?? 60_000, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    (req, res) => {
      handler(req, res).catch(() => send(res, 500, { error: 'internal error' }));
    },
  );
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
