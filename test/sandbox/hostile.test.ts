// Hostile programs against the Docker provider. For each: the verdict is right, the call returns
// within timeout + 1 s, no container is left behind once the pool settles, and the next submission
// runs normally.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import type { RunCodeResponse } from '../../sandbox/contract.js';
import { containerCount, dockerReady } from './docker-env.js';

const T = 2; // run_timeout of every hostile program, seconds

describe.skipIf(!dockerReady)('hostile programs in the Docker sandbox', () => {
  let sb: DockerSandbox;
  let baseline: number;
  const secretDir = mkdtempSync(join(tmpdir(), 'rl-host-secret-'));
  const secretPath = join(secretDir, 'secret.txt');
  writeFileSync(secretPath, 'HOST-SECRET-4711');

  beforeAll(async () => {
    sb = await DockerSandbox.create({ concurrency: 1, poolSize: 2 });
    await sb.runCode({ code: 'print(1)', language: 'python' }); // pool warm
    await sb.settle();
    baseline = await containerCount();
  });

  afterAll(async () => {
    await sb?.close();
    rmSync(secretDir, { recursive: true, force: true });
  });

  /** Runs `code`, checks the time bound, container count and that the next submission works. */
  async function hostile(code: string, extra: { memory_limit_MB?: number; run_timeout?: number } = {}): Promise<RunCodeResponse> {
    const t0 = performance.now();
    const timeout = extra.run_timeout ?? T;
    const res = await sb.runCode({ code, language: 'python', ...extra, run_timeout: timeout });
    const elapsed = (performance.now() - t0) / 1000;
    expect(elapsed, 'returned within timeout + 1 s').toBeLessThan(timeout + 1);
    await sb.settle();
    expect(await containerCount(), 'no container left behind').toBe(baseline);
    const next = await sb.judge({ code: 'print(int(input()) + 1)', language: 'python', tests: [{ type: 'stdio', stdin: '41', stdout: '42' }] });
    expect(next.allPassed, 'next submission runs normally').toBe(true);
    await sb.settle();
    return res;
  }

  it('fork bomb', async () => {
    const res = await hostile('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n');
    expect(res.run_result?.status).toBe('TimeLimitExceeded');
  });

  it('fork bomb escaped with setsid (parent exits at once)', async () => {
    // The parent shares one CPU with up to pidsLimit spinning children, so its exit can take a second or two
    // of wall time: a longer limit keeps this about the escaped session, not about CPU starvation.
    const res = await hostile(
      'import os\nif os.fork() == 0:\n    os.setsid()\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\nprint("parent done")\n',
      { run_timeout: 8 },
    );
    expect(res.run_result?.status).toBe('Finished');
    expect(res.run_result?.stdout).toBe('parent done\n');
  });

  it('memory bomb', async () => {
    const res = await hostile('x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))\n', { memory_limit_MB: 128 });
    expect(res.status).toBe('Failed');
    expect(res.run_result?.status).toBe('Finished');
    expect(res.run_result?.return_code).not.toBe(0);
  });

  it('disk fill of /tmp', async () => {
    const res = await hostile("f = open('/tmp/fill', 'wb')\nwhile True:\n    f.write(b'x' * (1 << 20))\n    f.flush()\n");
    expect(res.status).toBe('Failed');
    expect(res.run_result?.stderr).toMatch(/No space left on device/);
  });

  it('writes to /', async () => {
    const res = await hostile(
      "import os\nfor p in ['/evil', '/etc/evil', '/usr/bin/evil', '/opt/rl/harness.py']:\n    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n    except OSError as e:\n        print('blocked', p, e.errno)\n",
    );
    expect(res.run_result?.stdout).not.toMatch(/WROTE/);
    expect(res.run_result?.stdout?.match(/blocked/g)?.length).toBe(4);
  });

  it('reading host files', async () => {
    const res = await hostile(
      `import os\nfor p in [${JSON.stringify(secretPath)}, '/var/run/docker.sock', '/root/.bash_history', '/etc/shadow']:\n    try:\n        print('READ', p, open(p).read())\n    except OSError as e:\n        print('blocked', p, e.errno)\n`,
    );
    expect(res.run_result?.stdout).not.toMatch(/HOST-SECRET|READ/);
    expect(res.run_result?.stdout?.match(/blocked/g)?.length).toBe(4);
  });

  it('network egress: TCP, UDP, DNS', async () => {
    const res = await hostile(
      [
        'import socket',
        'def tcp():',
        '    s = socket.create_connection(("1.1.1.1", 53), timeout=0.5); s.close()',
        'def udp():',
        '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("8.8.8.8", 53))',
        'def dns():',
        '    socket.getaddrinfo("deb.debian.org", 80)',
        'for name, f in [("tcp", tcp), ("udp", udp), ("dns", dns)]:',
        '    try:',
        '        f(); print("OPEN", name)',
        '    except OSError as e:',
        '        print("blocked", name)',
        'print(sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]))',
      ].join('\n'),
    );
    expect(res.run_result?.stdout).not.toMatch(/OPEN/);
    expect(res.run_result?.stdout).toContain("['lo']");
  });

  it('infinite loop', async () => {
    const res = await hostile('while True:\n    pass\n');
    expect(res.run_result?.status).toBe('TimeLimitExceeded');
  });

  it('sleep forever', async () => {
    const res = await hostile('import time\ntime.sleep(10 ** 6)\n');
    expect(res.run_result?.status).toBe('TimeLimitExceeded');
  });

  it('100 MB of stdout (capped, truncation reported)', async () => {
    const res = await hostile("import sys\nb = 'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(b)\n");
    expect(res.run_result?.status).toBe('Finished');
    expect(res.run_result?.stdout?.length).toBe(1 << 20);
    expect(res.message).toMatch(/stdout truncated/);
  });

  it('closing stdout then spinning', async () => {
    const res = await hostile('import os\nos.close(1)\nos.close(2)\nwhile True:\n    pass\n');
    expect(res.run_result?.status).toBe('TimeLimitExceeded');
  });

  it('ignoring SIGTERM', async () => {
    const res = await hostile('import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)\n');
    expect(res.run_result?.status).toBe('TimeLimitExceeded');
  });

  it('a daemon that outlives the program (holding its stdout)', async () => {
    const t0 = performance.now();
    const res = await hostile('import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(1000)\nprint("done")\n');
    expect(res.run_result?.status).toBe('Finished');
    expect(res.run_result?.stdout).toBe('done\n');
    expect(res.run_result?.execution_time ?? 99).toBeLessThan(0.5); // the daemon does not hold up the verdict
    expect(performance.now() - t0).toBeGreaterThan(0);
  });

  it('a huge source file (8 MB)', async () => {
    const res = await hostile(`s = "${'a'.repeat(8 * 1024 * 1024)}"\nprint(len(s))\n`);
    expect(res.status).toBe('Success');
    expect(res.run_result?.stdout).toBe(`${8 * 1024 * 1024}\n`);
  });

  it('binary garbage on stdout', async () => {
    const res = await hostile('import os\nos.write(1, bytes(range(256)) * 1000)\n');
    expect(res.run_result?.status).toBe('Finished');
    expect(res.run_result?.stdout?.length).toBeGreaterThan(0);
    const judged = await sb.judge({ code: 'import os\nos.write(1, bytes(range(256)) * 100)\n', language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: 'x' }] });
    expect(judged.cases[0].verdict).toBe('wrong_answer');
  });

  it('killing every process it can see (including the harness)', async () => {
    const res = await hostile('import os, signal\nos.kill(-1, signal.SIGKILL)\n');
    expect(res.status).toBe('Failed');
    const judged = await sb.judge({ code: 'import os, signal\nos.kill(-1, signal.SIGKILL)\n', language: 'python', tests: [{ type: 'stdio', stdin: '', stdout: '' }] });
    expect(judged.cases[0].verdict).toBe('runtime_error');
  });
});
