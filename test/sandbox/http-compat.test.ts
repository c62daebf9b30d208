// SandboxFusion compatibility of POST /run_code over real HTTP on 127.0.0.1, the /judge endpoint,
// request validation, and the remote provider talking to our own server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.js';
import { RemoteSandbox } from '../../sandbox/remote-sandbox.js';
import type { JudgeRequest, RunCodeResponse, TestCase } from '../../sandbox/contract.js';
import { dockerReady } from './docker-env.js';

describe.skipIf(!dockerReady)('SandboxFusion-compatible HTTP API (Docker provider)', () => {
  let sb: DockerSandbox;
  let server: SandboxServer;

  beforeAll(async () => {
    sb = await DockerSandbox.create({ concurrency: 2, poolSize: 3 });
    server = await startSandboxServer(sb, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await sb?.close();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  async function runCode(body: unknown): Promise<RunCodeResponse> {
    const { status, json } = await post('/run_code', body);
    expect(status).toBe(200);
    return json as RunCodeResponse;
  }

  it('listens on loopback only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('hello world', async () => {
    const r = await runCode({ code: "print('Hello, world!')", language: 'python' });
    expect(r).toMatchObject({ status: 'Success', message: '', compile_result: null, files: {} });
    expect(typeof r.executor_pod_name).toBe('string');
    expect(r.run_result).toMatchObject({ status: 'Finished', return_code: 0, stdout: 'Hello, world!\n', stderr: '' });
    expect(typeof r.run_result?.execution_time).toBe('number');
  });

  it('stdin echo', async () => {
    const r = await runCode({ code: 'import sys\nprint(sys.stdin.read(), end="")', language: 'python', stdin: 'line 1\nline 2\n' });
    expect(r.status).toBe('Success');
    expect(r.run_result?.stdout).toBe('line 1\nline 2\n');
  });

  it('runtime error with stderr', async () => {
    const r = await runCode({ code: "raise ValueError('boom')", language: 'python' });
    expect(r.status).toBe('Failed');
    expect(r.run_result).toMatchObject({ status: 'Finished', return_code: 1 });
    expect(r.run_result?.stderr).toMatch(/Traceback[\s\S]*ValueError: boom/);
    expect(r.run_result?.stderr).not.toMatch(/harness/); // the harness's own frames are hidden
  });

  it('time limit', async () => {
    const t0 = performance.now();
    const r = await runCode({ code: 'while True: pass', language: 'python', run_timeout: 1 });
    expect(r.status).toBe('Failed');
    expect(r.run_result?.status).toBe('TimeLimitExceeded');
    expect((performance.now() - t0) / 1000).toBeLessThan(2);
  });

  it('non-zero exit', async () => {
    const r = await runCode({ code: 'import sys\nprint("partial")\nsys.exit(3)', language: 'python' });
    expect(r.status).toBe('Failed');
    expect(r.run_result).toMatchObject({ status: 'Finished', return_code: 3, stdout: 'partial\n' });
  });

  it('files in, fetch_files out', async () => {
    const r = await runCode({
      code: "d = open('data/in.txt').read()\nopen('out.txt', 'w').write(d.upper())",
      language: 'python',
      files: { 'data/in.txt': Buffer.from('abc').toString('base64') },
      fetch_files: ['out.txt'],
    });
    expect(r.status).toBe('Success');
    expect(Buffer.from(r.files['out.txt'], 'base64').toString()).toBe('ABC');
  });

  it('cpp: compile error and a compiled run', async () => {
    const bad = await runCode({ code: 'int main( { return 0; }', language: 'cpp' });
    expect(bad.status).toBe('Failed');
    expect(bad.compile_result?.return_code).not.toBe(0);
    expect(bad.run_result).toBeNull();
    const good = await runCode({ code: '#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}', language: 'cpp', stdin: '2 3' });
    expect(good.status).toBe('Success');
    expect(good.compile_result?.status).toBe('Finished');
    expect(good.run_result?.stdout).toBe('5\n');
  });

  it('malformed requests get a 422 naming the field (FastAPI\'s code), and the server keeps serving', async () => {
    const missing = await post('/run_code', { language: 'python' });
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatch(/code/);
    const lang = await post('/run_code', { code: 'print(1)', language: 'cobol' });
    expect(lang.status).toBe(422);
    expect(lang.json.error).toMatch(/language/);
    const notJson = await post('/run_code', '{"code": ');
    expect(notJson.status).toBe(422);
    expect(notJson.json.error).toMatch(/JSON/);
    const badTest = await post('/judge', { code: 'print(1)', language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 5 }] });
    expect(badTest.status).toBe(422);
    expect(badTest.json.error).toMatch(/tests\.0\.stdout/);
    const badTimeout = await post('/run_code', { code: 'print(1)', language: 'python', run_timeout: -1 });
    expect(badTimeout.status).toBe(422);
    expect(badTimeout.json.error).toMatch(/run_timeout/);
    const route = await fetch(`${server.url}/nope`);
    expect(route.status).toBe(404);
    const ok = await runCode({ code: 'print(1)', language: 'python' });
    expect(ok.status).toBe('Success');
  });

  const tests: TestCase[] = [
    { type: 'stdio', stdin: '2 3\n', stdout: '5\n' },
    { type: 'stdio', stdin: '1 1\n', stdout: '3' },
    { type: 'call', fnName: 'add', stdin: '4\n5', stdout: '9' },
    { type: 'call', fnName: 'add', stdin: '[1]\n[2]', stdout: '[1, 2]' },
    { type: 'assert', code: 'assert add(1, 2) == 3' },
    { type: 'assert', code: 'assert add(1, 2) == 4' },
  ];
  // Reads stdin only when there is some: call and assert cases run with empty stdin.
  const code =
    'import sys\n\ndef add(a, b):\n    return a + b\n\ndata = sys.stdin.read().split()\nif data:\n    print(add(int(data[0]), int(data[1])), " ")\n';
  // Case 0 prints a trailing space: verl's exact comparison calls that a wrong answer. The call cases run the
  // program's top level first, as verl's wrapper does: it eats the argument lines (case 2: add() gets no
  // arguments, nothing is printed) or crashes on them (case 3: int('[1]')).
  const expected = ['wrong_answer', 'wrong_answer', 'wrong_answer', 'runtime_error', 'pass', 'runtime_error'];

  it('/judge: per-case verdicts and score', async () => {
    const { status, json } = await post('/judge', { code, language: 'python', tests, timeoutS: 2 } satisfies JudgeRequest);
    expect(status).toBe(200);
    expect(json.cases.map((c: { verdict: string }) => c.verdict)).toEqual(expected);
    expect(json).toMatchObject({ passed: 1, total: 6, allPassed: false });
    expect(json.fraction).toBeCloseTo(1 / 6, 10);
  });

  it('the remote provider (SandboxFusion /run_code only) agrees with the Docker judge', async () => {
    const remote = new RemoteSandbox({ url: server.url, concurrency: 4 });
    const viaRemote = await remote.judge({ code, language: 'python', tests, timeoutS: 2 });
    const direct = await sb.judge({ code, language: 'python', tests, timeoutS: 2 });
    expect(viaRemote.cases.map((c) => c.verdict)).toEqual(expected);
    expect(direct.cases.map((c) => c.verdict)).toEqual(expected);
  });
});
