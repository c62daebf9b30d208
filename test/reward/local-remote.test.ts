// The local provider (host subprocess, same harness) and the remote client's retry behaviour.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SandboxRequestError, SandboxUnavailableError } from '../../sandbox/contract.js';
import { LOCAL_WARNING, LocalSandbox } from '../../sandbox/local-sandbox.js';
import { RemoteSandbox } from '../../sandbox/remote-sandbox.js';

describe('LocalSandbox', () => {
  let sb: LocalSandbox;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  beforeAll(() => {
    sb = new LocalSandbox({ concurrency: 2 });
  });
  afterAll(async () => {
    await sb.close();
    warn.mockRestore();
  });

  it('prints the weak-isolation warning', () => {
    expect(warn).toHaveBeenCalledWith(LOCAL_WARNING);
  });

  it('judges stdio, call and assert cases with the same harness', async () => {
    const r = await sb.judge({
      code: 'import sys\ndef sq(x):\n    return x * x\ndata = sys.stdin.read()\nif data: print(sq(int(data)))',
      language: 'python',
      tests: [
        { type: 'stdio', stdin: '3', stdout: '9' },
        { type: 'stdio', stdin: '3', stdout: '10' },
        { type: 'call', fnName: 'sq', stdin: '5', stdout: '25' },
        { type: 'assert', code: 'assert sq(2) == 4' },
      ],
    });
    expect(r.cases.map((c) => c.verdict)).toEqual(['pass', 'wrong_answer', 'pass', 'pass']);
  });

  it('enforces the time limit and runs in a private temp dir', async () => {
    const t0 = performance.now();
    const tle = await sb.runCode({ code: 'while True: pass', language: 'python', run_timeout: 1 });
    expect(tle.run_result?.status).toBe('TimeLimitExceeded');
    expect((performance.now() - t0) / 1000).toBeLessThan(2);
    const cwd = await sb.runCode({ code: 'import os\nprint(os.getcwd())', language: 'python' });
    expect(cwd.run_result?.stdout).toMatch(/rl-local-sandbox-/);
  });

  it('applies the memory limit (RLIMIT_AS)', async () => {
    const r = await sb.judge({ code: 'x = bytearray(400 * 1024 * 1024)', language: 'python', tests: [{ type: 'assert', code: 'pass' }], memoryMB: 128 });
    expect(r.cases[0].verdict).toBe('runtime_error');
    expect(r.cases[0].message).toMatch(/MemoryError/);
  });
});

describe('RemoteSandbox retries', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  let failFirst = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => {
        if (hits <= failFirst) {
          res.writeHead(503).end('busy');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ status: 'Success', message: '', compile_result: null, files: {}, run_result: { status: 'Finished', execution_time: 0.01, return_code: 0, stdout: 'ok\n', stderr: '' } }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries 5xx answers and succeeds', async () => {
    hits = 0;
    failFirst = 2;
    const r = await new RemoteSandbox({ url, attempts: 3 }).judge({ code: 'print("ok")', language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 'ok' }] });
    expect(r.allPassed).toBe(true);
    expect(hits).toBe(3);
  });

  it('gives up with a retryable SandboxUnavailableError', async () => {
    hits = 0;
    failFirst = 100;
    await expect(new RemoteSandbox({ url, attempts: 2 }).runCode({ code: 'x', language: 'python' })).rejects.toBeInstanceOf(SandboxUnavailableError);
    expect(hits).toBe(2);
  });

  it('an unreachable server is a sandbox failure, a bad URL a request error', async () => {
    await expect(new RemoteSandbox({ url: 'http://127.0.0.1:1', attempts: 1 }).runCode({ code: 'x', language: 'python' })).rejects.toBeInstanceOf(
      SandboxUnavailableError,
    );
    expect(() => new RemoteSandbox({ url: 'not a url' })).toThrow(SandboxRequestError);
  });
});
