// The serving side's limits (issue 14 security review and faults), without Docker: a fake provider stands in for
// the sandbox. Loopback by default, bearer-token auth, body size limit (413), malformed JSON (422), slowloris
// (408 / closed), a bounded queue (503 + Retry-After), a client that disconnects mid-request; after each the
// server keeps serving.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunCodeRequest, RunCodeResponse, SandboxProvider } from '../../sandbox/contract.js';
import { RemoteSandbox } from '../../sandbox/remote-sandbox.js';
import { startSandboxServer, type SandboxServer, type SandboxServerOptions } from '../../sandbox/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Echoes stdin after `run_timeout / 10` seconds; counts calls. */
function fakeProvider() {
  const calls = { started: 0, finished: 0 };
  const provider: SandboxProvider = {
    name: 'local',
    judge: () => Promise.reject(new Error('not used')),
    async runCode(req: RunCodeRequest): Promise<RunCodeResponse> {
      calls.started++;
      await sleep(((req.run_timeout ?? 0) / 10) * 1000);
      calls.finished++;
      const run = { status: 'Finished' as const, execution_time: 0, return_code: 0, stdout: req.stdin ?? '', stderr: '' };
      return { status: 'Success', message: '', compile_result: null, run_result: run, files: {} };
    },
    close: async () => undefined,
  };
  return { provider, calls };
}

let servers: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(opts: SandboxServerOptions = {}) {
  const fake = fakeProvider();
  const server = await startSandboxServer(fake.provider, { port: 0, ...opts });
  servers.push(server);
  return { server, ...fake };
}

async function runCode(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/run_code`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

const ok = { code: 'print(input())', language: 'python', stdin: 'hi', run_timeout: 0.01 };

/**
 * POST `total` bytes over a raw socket, declared (content-length) or chunked. The server answers 413 and closes while
 * we are still sending, so write errors are expected and ignored: what counts is what came back before the close.
 */
function bigPost(url: string, total: number, declare: boolean): Promise<{ status?: number; body?: string; error?: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => (answer += d));
    sock.on('error', () => {}); // EPIPE / ECONNRESET if the server cut the connection
    // As most HTTP clients do, the answer is read only once the whole body is sent: a server that closes with
    // unread bytes resets the connection, and the reset discards the 413 before it is read.
    sock.pause();
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(answer);
      if (!m) return resolve({ error: `no HTTP answer (${JSON.stringify(answer.slice(0, 200))})` });
      const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
      // A chunked answer: one chunk holds the small JSON error.
      const body = /transfer-encoding: chunked/i.test(head) ? m[2]!.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '') : m[2]!;
      resolve({ status: Number(m[1]), body });
    });
    sock.write(`POST /run_code HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${declare ? `content-length: ${total}` : 'transfer-encoding: chunked'}\r\n\r\n`);
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < total && !sock.destroyed) {
        sent += chunk.length;
        if (!declare) sock.write(`${chunk.length.toString(16)}\r\n`);
        let flowing = sock.write(chunk);
        if (!declare) flowing = sock.write('\r\n');
        if (!flowing) return void sock.once('drain', pump);
      }
      if (sock.destroyed) return;
      if (declare) sock.end();
      else sock.end('0\r\n\r\n');
      sock.resume();
    };
    pump();
  });
}

describe('rl sandbox serve: limits and auth', () => {
  it('binds 127.0.0.1 unless told otherwise', async () => {
    const { server } = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('bearer token: 401 without or with a wrong token, 200 with it; ping stays open; the remote client sends it', async () => {
    const { server } = await serve({ token: 's3cret' });
    const none = await runCode(server.url, ok);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.json.error).toMatch(/Authorization: Bearer/);
    expect((await runCode(server.url, ok, { authorization: 'Bearer nope' })).status).toBe(401);
    const good = await runCode(server.url, ok, { authorization: 'Bearer s3cret' });
    expect(good.status).toBe(200);
    expect(good.json.run_result.stdout).toBe('hi');
    expect((await fetch(`${server.url}/v1/ping`)).status).toBe(200);
    const client = new RemoteSandbox({ url: server.url, token: 's3cret', attempts: 1 });
    expect((await client.runCode(ok)).run_result?.stdout).toBe('hi');
    await expect(new RemoteSandbox({ url: server.url, attempts: 1 }).runCode(ok)).rejects.toThrow(/HTTP 401/);
  });

  it('a 64 MiB body is 413 with a clear error (declared or chunked); the server keeps serving', async () => {
    const { server, calls } = await serve();
    for (const declare of [true, false]) {
      const r = await bigPost(server.url, 64 << 20, declare);
      expect(r.status, JSON.stringify(r).slice(0, 300)).toBe(413);
      expect(JSON.parse(r.body!).error).toMatch(/larger than the server's limit of 16777216 bytes/);
    }
    expect(calls.started).toBe(0);
    expect((await runCode(server.url, ok)).status).toBe(200);
  });

  it('malformed JSON is 422 json_invalid naming the parse error', async () => {
    const { server } = await serve();
    const r = await runCode(server.url, '{"code": "print(1)", ');
    expect(r.status).toBe(422);
    expect(r.json.detail[0].type).toBe('json_invalid');
    expect(r.json.error).toMatch(/not valid JSON/);
    expect((await runCode(server.url, ok)).status).toBe(200);
  });

  it('slowloris: headers trickling in are cut off at the headers timeout, a trickling body at the request timeout', async () => {
    const { server } = await serve({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    const { port } = new URL(server.url);
    const trickle = (first: string, drip: string) =>
      new Promise<{ answer: string; seconds: number }>((resolve) => {
        const t0 = performance.now();
        const sock = connect(Number(port), '127.0.0.1');
        let answer = '';
        sock.on('data', (d) => (answer += d));
        sock.write(first);
        const timer = setInterval(() => sock.write(drip), 200);
        const done = () => {
          clearInterval(timer);
          resolve({ answer, seconds: (performance.now() - t0) / 1000 });
        };
        sock.on('close', done);
        sock.on('error', () => undefined);
        setTimeout(() => sock.destroy(), 10_000);
      });
    const [headers, body] = await Promise.all([
      trickle('POST /run_code HTTP/1.1\r\nHost: x\r\n', 'X-a: b\r\n'),
      trickle('POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n', ' '),
      // a normal client is served meanwhile
      runCode(server.url, ok).then((r) => expect(r.status).toBe(200)),
    ]);
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(headers.seconds).toBeLessThan(4);
    expect(body.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(body.seconds).toBeLessThan(5);
    expect((await runCode(server.url, ok)).status).toBe(200);
  });

  it('judging longer than the request timeout is not cut off (the clock stops once the request is in)', async () => {
    const { server } = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const r = await runCode(server.url, { ...ok, run_timeout: 25 }); // the fake takes 2.5 s
    expect(r.status).toBe(200);
    expect(r.json.run_result.stdout).toBe('hi');
  });

  it('beyond the queue limit: 503 with Retry-After, never a hang; the remote client retries it and succeeds', async () => {
    const { server, calls } = await serve({ maxQueue: 2 });
    const slow = { ...ok, run_timeout: 10 }; // 1 s each
    const rs = await Promise.all(Array.from({ length: 5 }, () => runCode(server.url, slow)));
    const codes = rs.map((r) => r.status).sort();
    expect(codes).toEqual([200, 200, 503, 503, 503]);
    const busy = rs.find((r) => r.status === 503)!;
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.json.error).toMatch(/busy: 2 requests already running or queued \(limit 2\)/);
    expect(calls.started).toBe(2);
    const client = new RemoteSandbox({ url: server.url, attempts: 5, concurrency: 4 });
    const viaClient = await Promise.all(Array.from({ length: 4 }, () => client.runCode(slow)));
    expect(viaClient.every((r) => r.run_result?.stdout === 'hi')).toBe(true);
  });

  it('a client that disconnects mid-request does not stop the server; its work finishes and others are served', async () => {
    const { server, calls } = await serve();
    const ac = new AbortController();
    const gone = fetch(`${server.url}/run_code`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ok, run_timeout: 10 }), signal: ac.signal,
    }).catch((e: Error) => e.name);
    await sleep(200);
    ac.abort();
    expect(await gone).toBe('AbortError');
    expect((await runCode(server.url, ok)).status).toBe(200);
    await sleep(1000);
    expect(calls.finished).toBe(calls.started);
  });
});
