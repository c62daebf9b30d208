// The spawn helper's own process (see spawn_helper.ts): a small Node that starts programs for the trainer, so
// that each spawn forks this ~50 MB process instead of a trainer holding gigabytes (libtensorflow, weights).
// Protocol over the IPC channel, one JSON message each way per event:
//   in:  {t:'spawn', id, cmd, args, cwd, env, detached, stdin}
//   out: {t:'pid', id, pid} | {t:'out', id, s} | {t:'err', id, s} | {t:'close', id, code, signal} | {t:'error', id, message}
'use strict';
const { spawn } = require('node:child_process');

const groups = new Set();

process.on('message', (m) => {
  if (!m || m.t !== 'spawn') return;
  let child;
  try {
    child = spawn(m.cmd, m.args, { cwd: m.cwd, env: m.env, detached: !!m.detached, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    process.send({ t: 'error', id: m.id, message: String(e && e.message) });
    return;
  }
  child.once('error', (e) => process.send({ t: 'error', id: m.id, message: String(e && e.message) }));
  if (child.pid === undefined) return; // 'error' follows
  if (m.detached) groups.add(child.pid);
  process.send({ t: 'pid', id: m.id, pid: child.pid });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s) => process.send({ t: 'out', id: m.id, s }));
  child.stderr.on('data', (s) => process.send({ t: 'err', id: m.id, s }));
  child.stdin.on('error', () => undefined); // the program may exit before reading everything
  child.stdin.end(m.stdin ?? '');
  child.once('close', (code, signal) => {
    groups.delete(child.pid);
    process.send({ t: 'close', id: m.id, code, signal });
  });
});

// The trainer went away (exit, crash, kill -9): take every program still running with us.
process.on('disconnect', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
});
