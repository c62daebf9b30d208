// SandboxFusion's HTTP behaviour that clients (verl) branch on, checked without Docker: 422 with FastAPI's
// `detail` list for bad requests, 200 + status SandboxError when the sandbox behind the server fails,
// executor_pod_name in /run_code answers, and absolute files/fetch_files paths limited to /tmp and /mnt.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteSandbox } from '../../sandbox/remote-sandbox.js';
import { LocalSandbox } from '../../sandbox/local-sandbox.js';
import { startSandboxServer, type SandboxServer } from '../../sandbox/server.js';
import { LANGUAGES, parseRunCodeRequest } from '../../sandbox/schemas.js';

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/run_code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('HTTP status codes as SandboxFusion answers them', () => {
  let server: SandboxServer;
  let broken: SandboxServer;

  beforeAll(async () => {
    // Validation runs before any program: the local provider never gets these requests.
    server = await startSandboxServer(new LocalSandbox({ warn: false }), { port: 0 });
    // A server whose sandbox is unreachable: a remote provider pointed at a closed port.
    const unreachable = new RemoteSandbox({ url: `http://127.0.0.1:${await deadPort()}`, attempts: 1 });
    broken = await startSandboxServer(unreachable, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await broken?.close();
  });

  it('422 with FastAPI detail items for a missing field, a bad language and a bad type', async () => {
    const missing = await post(server.url, { language: 'python' });
    expect(missing.status).toBe(422);
    expect(missing.json.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc: ['body', 'code'] })]));
    expect(typeof missing.json.detail[0].msg).toBe('string');
    expect(missing.json.error).toMatch(/code/);

    const lang = await post(server.url, { code: 'print(1)', language: 'cobol' });
    expect(lang.status).toBe(422);
    expect(lang.json.detail[0].loc).toEqual(['body', 'language']);
    expect(lang.json.error).toMatch(/language/);

    const timeout = await post(server.url, { code: 'print(1)', language: 'python', run_timeout: 'soon' });
    expect(timeout.status).toBe(422);
    expect(timeout.json.detail[0].loc).toEqual(['body', 'run_timeout']);
  });

  it('422 for a body that is not JSON', async () => {
    const r = await post(server.url, '{"code": ');
    expect(r.status).toBe(422);
    expect(r.json.detail[0].type).toBe('json_invalid');
    expect(r.json.error).toMatch(/JSON/);
  });

  it('422 for files/fetch_files outside the writable directories; /tmp and /mnt accepted', async () => {
    const files = await post(server.url, { code: 'print(1)', language: 'python', files: { '/etc/passwd': 'eA==' } });
    expect(files.status).toBe(422);
    expect(files.json.error).toMatch(/\/etc\/passwd.*\/tmp or \/mnt/);
    const escape = await post(server.url, { code: 'print(1)', language: 'python', fetch_files: ['../../../etc/shadow'] });
    expect(escape.status).toBe(422);
    expect(escape.json.detail[0].loc).toEqual(['body', 'fetch_files', 0]);
    expect(() => parseRunCodeRequest({ code: '', language: 'python', files: { '/mnt/a': 'eA==', '/tmp/b': null, 'c/d': 'eA==' }, fetch_files: ['/mnt/x', 'y'] })).not.toThrow();
  });

  it('every SandboxFusion language name of ours is accepted', () => {
    expect([...LANGUAGES].sort()).toEqual(['bash', 'cpp', 'go', 'java', 'nodejs', 'pytest', 'python', 'rust', 'typescript']);
    for (const language of LANGUAGES) expect(parseRunCodeRequest({ code: '', language }).language).toBe(language);
  });

  it('404 for an unknown route, in FastAPI shape', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Not Found/);
  });

  it('a sandbox failure is 200 with status SandboxError and executor_pod_name (verl retries only 504)', async () => {
    const r = await post(broken.url, { code: 'print(1)', language: 'python' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'SandboxError', compile_result: null, run_result: null, files: {} });
    expect(r.json.message).toMatch(/failed 1 times/);
    expect(typeof r.json.executor_pod_name).toBe('string');
  });
});
