// The container isolation of issue 14's security review, shown from inside a sandbox: no capabilities (raw
// sockets, ping's ICMP, fail), no-new-privileges (a setuid-root binary runs with the caller's uid), Docker's
// default seccomp filter in force, /proc/sys read-only; and the settings as Docker reports them (pool.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandbox/docker-sandbox.js';
import { connectDocker } from '../../sandbox/docker-client.js';
import { OWNER_LABEL } from '../../sandbox/pool.js';
import { dockerReady } from './docker-env.js';

describe.skipIf(!dockerReady)('sandbox container privileges', () => {
  let sb: DockerSandbox;
  beforeAll(async () => {
    sb = await DockerSandbox.create({ concurrency: 1, poolSize: 1 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  async function py(code: string): Promise<string> {
    const r = await sb.runCode({ code, language: 'python', run_timeout: 5 });
    expect(r.status, JSON.stringify(r)).toBe('Success');
    return r.run_result?.stdout ?? '';
  }

  it('no capabilities, no_new_privs and seccomp mode 2 (filter) for the program', async () => {
    const out = await py(
      'st = dict(l.rstrip("\\n").split(":\\t", 1) for l in open("/proc/self/status") if ":\\t" in l)\n' +
        'print(st["CapEff"], st["CapPrm"], st["CapBnd"], st["NoNewPrivs"], st["Seccomp"])',
    );
    expect(out.trim()).toBe('0000000000000000 0000000000000000 0000000000000000 1 2');
  });

  it('raw and ICMP sockets fail (no CAP_NET_RAW)', async () => {
    const out = await py(
      'import socket\n' +
        'for kind in (socket.SOCK_RAW, socket.SOCK_DGRAM):\n' +
        '    try:\n' +
        '        socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP); print("allowed")\n' +
        '    except OSError as e:\n' +
        '        print("refused", e.errno)\n',
    );
    // EPERM for raw; the unprivileged ICMP datagram socket too (EACCES: pool.ts empties ping_group_range, which Docker opens).
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^refused (1|13)$/), expect.stringMatching(/^refused (1|13)$/)]);
  });

  it('a setuid-root binary (su) does not elevate: its effective uid stays the sandbox user', async () => {
    const out = await py(
      'import os, subprocess, time\n' +
        'assert os.stat("/usr/bin/su").st_mode & 0o4000 and os.stat("/usr/bin/su").st_uid == 0\n' +
        'p = subprocess.Popen(["/usr/bin/su", "root"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n' +
        'time.sleep(0.5)\n' +
        'print(" ".join([l for l in open("/proc/%d/status" % p.pid) if l.startswith("Uid:")][0].split()[1:]))\n' +
        'p.kill(); p.wait()\n',
    );
    expect(out.trim()).toBe('1000 1000 1000 1000');
  });

  it('/proc/sys is read-only and the root filesystem too', async () => {
    const out = await py(
      'for p in ("/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches", "/etc/passwd", "/usr/x"):\n' +
        '    try:\n' +
        '        open(p, "w").write("1"); print("written")\n' +
        '    except OSError as e:\n' +
        '        print(e.errno)\n',
    );
    // EROFS (30) for a read-only mount; EACCES (13) where the file is not ours anyway.
    for (const line of out.trim().split('\n')) expect(['30', '13']).toContain(line);
    expect(out.trim().split('\n')[0]).toBe('30');
  });

  it('Docker reports the settings of pool.ts: CapDrop ALL, no-new-privileges, default seccomp, no network', async () => {
    const docker = connectDocker();
    await sb.runCode({ code: 'print(1)', language: 'python' }); // the pool has started a container
    const [info] = await docker.listContainers({ filters: { label: [`${OWNER_LABEL}=${process.pid}`] } });
    const c = await docker.getContainer(info!.Id).inspect();
    expect(c.HostConfig.CapDrop).toEqual(['ALL']);
    expect(c.HostConfig.CapAdd ?? []).toEqual([]);
    expect(c.HostConfig.Privileged).toBe(false);
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect((c.HostConfig.SecurityOpt ?? []).some((o: string) => /seccomp[=:]unconfined/.test(o))).toBe(false);
    expect(c.HostConfig.NetworkMode).toBe('none');
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(c.Config.User).toBe('1000:1000');
  });
});
