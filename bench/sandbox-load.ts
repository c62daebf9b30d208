// `rl bench sandbox-load`: `rl sandbox serve` (Docker provider) on 127.0.0.1 under C concurrent clients, each
// sending a mix of real submissions (passing, failing, timing out, crashing, output-heavy) to /run_code, a fixed
// number per level; then faults while loaded (docker kill of pool containers, slowloris, a 64 MiB body,
// malformed JSON, clients that disconnect mid-request); then RSS over many cheap requests; then stop and count
// the containers left. Every verdict is compared with the same submission run alone. Bounded: it stops by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';

const OWNER_LABEL = 'rl.sandbox.owner';

interface Kind {
  name: string;
  body: Record<string, unknown>;
}

/** The mix; `i` makes each submission distinct (no caching can hide work). */
function kinds(i: number): Kind[] {
  return [
    { name: 'pass', body: { code: `print(int(input()) * 2 + ${i} - ${i})`, language: 'python', stdin: '21\n', run_timeout: 5 } },
    { name: 'fail', body: { code: `print(int(input()) + 1 + ${i} - ${i})`, language: 'python', stdin: '21\n', run_timeout: 5 } },
    { name: 'timeout', body: { code: `# ${i}\nwhile True:\n    pass`, language: 'python', run_timeout: 1 } },
    { name: 'crash', body: { code: `# ${i}\nraise ValueError("boom")`, language: 'python', run_timeout: 5 } },
    { name: 'output', body: { code: `# ${i}\nimport sys\nsys.stdout.write("y" * 3_000_000)`, language: 'python', run_timeout: 5 } },
  ];
}
const KIND_COUNT = 5;

/** What must not change with load: status, run status, exit code, stdout digest. */
function verdictOf(json: any): string {
  const run = json?.run_result;
  const out = createHash('sha1').update(run?.stdout ?? '').digest('hex').slice(0, 10);
  return `${json?.status}/${run?.status}/${run?.return_code}/${out}`;
}

interface Reply {
  status: number;
  json: any;
  ms: number;
  error?: string;
}

async function post(url: string, body: unknown, timeoutMs = 600_000): Promise<Reply> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/run_code`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = { raw: text.slice(0, 200) };
    }
    return { status: res.status, json, ms: performance.now() - t0 };
  } catch (err) {
    return { status: 0, json: null, ms: performance.now() - t0, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssMB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

export interface LoadOptions {
  levels: number[];
  /** Requests per level: max(minRequests, 2 × C). */
  minRequests: number;
  /** Cheap requests for the RSS check (RSS read at 1/10 and at the end). */
  memoryRequests: number;
  concurrency: number;
  poolSize: number;
  faults: boolean;
  log: (line: string) => void;
}

interface Server {
  child: ChildProcess;
  url: string;
  pid: number;
}

async function startServer(opts: LoadOptions): Promise<Server> {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'rl.js');
  const child = spawn(
    process.execPath,
    [bin, 'sandbox', 'serve', '--port', '0', '--provider', 'docker', '--concurrency', String(opts.concurrency), '--pool-size', String(opts.poolSize)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`rl sandbox serve exited (${code}): ${err.slice(-500)}`)));
    setTimeout(() => reject(new Error('rl sandbox serve did not start in 60 s')), 60_000);
  });
  return { child, url, pid: child.pid! };
}

/** Runs `total` requests from `c` clients; each request's body from `make(i)`. */
async function drive(url: string, c: number, total: number, make: (i: number) => { kind: string; body: unknown }) {
  const replies: Array<Reply & { kind: string; i: number }> = new Array(total);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < total) {
        const i = next++;
        const { kind, body } = make(i);
        replies[i] = { ...(await post(url, body)), kind, i };
      }
    }),
  );
  return { replies, seconds: (performance.now() - t0) / 1000 };
}

export interface LevelRow {
  c: number;
  requests: number;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  lost: number;
  differing: number;
  notes: string[];
}

export async function runSandboxLoad(opts: LoadOptions): Promise<{ rows: LevelRow[]; faults: string[]; memory: string; leftBehind: number; ok: boolean }> {
  const docker = new Docker();
  const server = await startServer(opts);
  const { url } = server;
  opts.log(`server ${url} (pid ${server.pid}); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  let ok = true;
  const rows: LevelRow[] = [];
  const faults: string[] = [];
  let memory = '';
  let leftBehind = -1;
  try {
    // Reference verdicts: each kind run alone.
    const reference = new Map<string, string>();
    for (const k of kinds(0)) {
      const r = await post(url, k.body);
      if (r.status !== 200) throw new Error(`reference run of ${k.name} answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
      reference.set(k.name, verdictOf(r.json));
    }
    opts.log(`reference verdicts: ${[...reference].map(([k, v]) => `${k}=${v}`).join(' ')}`);

    for (const c of opts.levels) {
      const total = Math.max(opts.minRequests, 2 * c);
      const { replies, seconds } = await drive(url, c, total, (i) => {
        const k = kinds(i)[i % KIND_COUNT]!;
        return { kind: k.name, body: k.body };
      });
      const lat = replies.map((r) => r.ms).sort((a, b) => a - b);
      const notes: string[] = [];
      let non2xx = 0;
      let lost = 0;
      let differing = 0;
      for (const r of replies) {
        if (!r) {
          lost++;
          continue;
        }
        if (r.status === 0) {
          lost++;
          notes.push(`#${r.i} ${r.kind}: ${r.error}`);
        } else if (r.status < 200 || r.status >= 300) {
          non2xx++;
          notes.push(`#${r.i} ${r.kind}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 160)}`);
        } else if (verdictOf(r.json) !== reference.get(r.kind)) {
          differing++;
          notes.push(`#${r.i} ${r.kind}: ${verdictOf(r.json)} != ${reference.get(r.kind)} (${String(r.json?.message).slice(0, 120)})`);
        }
      }
      const row = { c, requests: total, seconds, throughput: total / seconds, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), non2xx, lost, differing, notes };
      rows.push(row);
      if (non2xx || lost || differing) ok = false;
      opts.log(`C=${c}: ${total} requests in ${seconds.toFixed(1)} s, p50 ${(row.p50 / 1000).toFixed(2)} s p99 ${(row.p99 / 1000).toFixed(2)} s, non-2xx ${non2xx}, lost ${lost}, differing ${differing}`);
      for (const n of notes.slice(0, 10)) opts.log(`  ${n}`);
    }

    if (opts.faults) faults.push(...(await faultsWhileLoaded(url, server.pid, docker, reference, opts.log).catch((e: Error) => [`FAILED: ${e.message}`])));
    if (faults.some((f) => f.startsWith('FAILED'))) ok = false;

    // RSS over many cheap requests (validation errors + pings: the HTTP path, no container).
    const M = opts.memoryRequests;
    let rssAt1 = 0;
    await (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < M) {
            const i = next++;
            if (i === Math.floor(M / 10)) rssAt1 = rssMB(server.pid);
            const r = i % 2 ? await post(url, { code: 'x', language: 'cobol' }) : await post(url, { code: `print(${i})`, language: 'python', run_timeout: -1 });
            if (r.status !== 422) throw new Error(`cheap request ${i}: HTTP ${r.status}`);
          }
        }),
      );
    })();
    const rssEnd = rssMB(server.pid);
    memory = `server RSS ${rssAt1.toFixed(1)} MB at request ${Math.floor(M / 10)} of ${M} cheap 422 requests, ${rssEnd.toFixed(1)} MB at request ${M} (${(((rssEnd - rssAt1) / rssAt1) * 100).toFixed(1)}%)`;
    opts.log(memory);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    const list = await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${server.pid}`] } });
    leftBehind = list.length;
    opts.log(`after stop: ${leftBehind} containers with ${OWNER_LABEL}=${server.pid} (docker ps -a)`);
    if (leftBehind) ok = false;
  }
  return { rows, faults, memory, leftBehind, ok };
}

/** Faults injected while C=8 clients send passing submissions; each line states the outcome asserted. */
async function faultsWhileLoaded(url: string, pid: number, docker: Docker, reference: Map<string, string>, log: (s: string) => void): Promise<string[]> {
  const out: string[] = [];
  const check = (cond: boolean, what: string) => {
    out.push(`${cond ? 'ok' : 'FAILED'}: ${what}`);
    log(`fault: ${cond ? 'ok' : 'FAILED'}: ${what}`);
  };
  const { port } = new URL(url);
  let stop = false;
  const load = drive(url, 8, 60, (i) => ({ kind: 'pass', body: kinds(1000 + i)[0]!.body }));
  // docker kill of the server's pool containers, 4 times, 1.5 s apart.
  const injected = (async () => {
    let killed = 0;
    for (let k = 0; k < 4 && !stop; k++) {
      await new Promise((r) => setTimeout(r, 1500));
      const list = await docker.listContainers({ filters: { label: [`${OWNER_LABEL}=${pid}`] } });
      const victim = list[Math.floor(Math.random() * list.length)];
      if (victim) {
        await docker.getContainer(victim.Id).kill().catch(() => undefined);
        killed++;
      }
    }
    return killed;
  })();
  // Meanwhile: slowloris, a 64 MiB body, malformed JSON, a client that disconnects mid-request.
  const slowloris = await new Promise<string>((resolve) => {
    const sock = connect(Number(port), '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => (answer += d));
    sock.write('POST /run_code HTTP/1.1\r\nHost: x\r\n');
    const t = setInterval(() => sock.write('X-slow: 1\r\n'), 1000);
    sock.on('close', () => {
      clearInterval(t);
      resolve(answer.split('\r\n')[0] ?? '');
    });
    sock.on('error', () => undefined);
    setTimeout(() => sock.destroy(), 30_000);
  });
  check(/^HTTP\/1\.1 408/.test(slowloris), `slowloris (a header line per second): "${slowloris}" within the 10 s headers timeout`);
  const big = await new Promise<number>((resolve) => {
    const req = request(`${url}/run_code`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(64 << 20) } });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', () => resolve(-1));
    req.write(Buffer.alloc(1 << 20, 0x20));
  });
  check(big === 413, `64 MiB body: HTTP ${big} (413 expected)`);
  const bad = await fetch(`${url}/run_code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code": ' });
  check(bad.status === 422, `malformed JSON: HTTP ${bad.status} (422 json_invalid expected)`);
  const ac = new AbortController();
  const gone = fetch(`${url}/run_code`, { method: 'POST', body: JSON.stringify(kinds(5000)[0]!.body), signal: ac.signal }).catch((e: Error) => e.name);
  setTimeout(() => ac.abort(), 100);
  check((await gone) === 'AbortError', 'client disconnect mid-request: the client aborted; the server carries on (checked below)');
  const { replies } = await load;
  stop = true;
  const killed = await injected;
  const wrong = replies.filter((r) => r.status !== 200 || verdictOf(r.json) !== reference.get('pass'));
  check(killed > 0 && wrong.length === 0, `docker kill of ${killed} pool containers during 60 passing submissions from 8 clients: ${wrong.length} wrong or failed${wrong.length ? ` (${wrong.slice(0, 3).map((r) => `${r.status} ${String(r.json?.message ?? r.error).slice(0, 100)}`).join('; ')})` : ''}`);
  const after = await post(url, kinds(9999)[0]!.body);
  check(after.status === 200 && verdictOf(after.json) === reference.get('pass'), 'the server keeps serving after the faults');
  return out;
}

export function loadTable(rows: LevelRow[]): string {
  const head = '| C | requests | wall s | req/s | p50 s | p95 s | p99 s | non-2xx | lost | differing verdicts |\n|---|---|---|---|---|---|---|---|---|---|';
  const body = rows.map((r) =>
    `| ${r.c} | ${r.requests} | ${r.seconds.toFixed(1)} | ${r.throughput.toFixed(2)} | ${(r.p50 / 1000).toFixed(2)} | ${(r.p95 / 1000).toFixed(2)} | ${(r.p99 / 1000).toFixed(2)} | ${r.non2xx} | ${r.lost} | ${r.differing} |`,
  );
  return [head, ...body].join('\n');
}
