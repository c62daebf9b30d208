"""Judging harness: runs every test case of ONE submission and streams per-case results.

Protocol: one JSON request on stdin (read to EOF), JSON lines on stdout:
  {"type":"start"}  once the request is read, before anything of it runs (a harness that dies before
                   this line never ran the program: an infrastructure failure, not a verdict)
  {"type":"compile",...}  once, for compiled languages
  {"type":"case","index":i,...}  one per case, as each finishes
  {"type":"files","files":{path: base64}}  when fetch_files was asked for
  {"type":"done"}  last line; a stream that ends without it means the harness was killed.

Inside the sandbox container this file is the container's main process (started before
the request arrives, so its start-up cost is off the critical path). Python cases run in
children forked from a "zygote": a clean interpreter forked at start-up, before the request
(and therefore the expected outputs) exists in memory. Forking a warm interpreter skips the
~15 ms interpreter start-up per case without letting the program see the answers.

Run on the host (the `local` provider) the same file works with weaker isolation: rlimits
instead of cgroups, no process sweep (kill(-1) would hit the host), a private temp dir.
"""
import base64
import json
import os
import select
import signal
import socket
import sys
import time

POST_EXIT_GRACE_S = 0.05  # how long to keep draining pipes after the program exited (daemons may hold them)
WORKDIR = os.environ.get("RL_WORKDIR") or "/tmp/work"


def _pid1_is_container_init():
    try:
        with open("/proc/1/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0]
        return os.getpid() != 1 and (argv0.endswith(b"docker-init") or argv0.endswith(b"tini"))
    except OSError:
        return False


# The process sweep (kill(-1)) is only safe inside the sandbox's own PID namespace.
IN_CONTAINER = os.environ.get("RL_SANDBOX_CONTAINER") == "1" and _pid1_is_container_init()


# ---------------------------------------------------------------- zygote side (never sees the request)

def _reset_child_signals():
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP, signal.SIGQUIT):
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass


def _apply_limits(limits):
    import resource

    def setl(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass

    setl(resource.RLIMIT_CORE, 0)
    if limits.get("as_bytes"):
        setl(resource.RLIMIT_AS, int(limits["as_bytes"]))
    if limits.get("cpu_s"):
        setl(resource.RLIMIT_CPU, int(limits["cpu_s"]))
    if limits.get("fsize_bytes"):
        setl(resource.RLIMIT_FSIZE, int(limits["fsize_bytes"]))
    if limits.get("nofile"):
        setl(resource.RLIMIT_NOFILE, int(limits["nofile"]))
    if IN_CONTAINER:
        # The harness must win the CPU against the program (a fork bomb fills the container's CPU share):
        # at equal priority its deadline wake-up and kill ran up to a second late. Niceness is relative
        # within the container's cgroup, so other containers and the program's own speed alone are unchanged.
        try:
            os.nice(10)
        except OSError:
            pass
    try:  # make the program, not the harness, the OOM killer's first choice (raising is unprivileged)
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def _exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _python_child(msg):
    """Runs in the forked child: becomes the user's program. Never returns."""
    rc = 1
    try:
        import io
        import types
        import builtins
        import traceback

        os.setsid()
        _reset_child_signals()
        _apply_limits(msg.get("limits") or {})
        os.chdir(msg["cwd"])
        # stdin/stdout/stderr were dup2'ed by the zygote before fork; rebuild the text layers.
        sys.stdin = sys.__stdin__ = io.open(0, "r", encoding="utf-8", closefd=False)
        sys.stdout = sys.__stdout__ = io.open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = sys.__stderr__ = io.open(2, "w", encoding="utf-8", errors="backslashreplace",
                                              closefd=False, buffering=1)
        path = msg["path"]
        sys.argv = [path]
        sys.path[0] = os.path.dirname(path)
        module = types.ModuleType("__main__")
        module.__file__ = path
        module.__builtins__ = builtins
        sys.modules["__main__"] = module
        with io.open(path, "r", encoding="utf-8", errors="replace") as f:
            source = f.read()
        rc = 0
        try:
            exec(compile(source, path, "exec"), module.__dict__)
        except SystemExit as e:
            rc = _exit_code_of(e)
        except BaseException as e:  # the program's own error: print it like python3 would
            tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
            traceback.print_exception(type(e), e, tb)
            rc = 1
        try:
            import threading
            threading._shutdown()  # wait for non-daemon threads, as interpreter exit does
        except BaseException:
            pass
        try:
            import atexit
            atexit._run_exitfuncs()
        except BaseException:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                rc = rc or 120
    finally:
        os._exit(rc)


def zygote_loop(sock):
    """Serve fork requests: {path, cwd, limits} + 3 fds (stdin, stdout, stderr)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(sock, 65536, 3)
        except (OSError, KeyboardInterrupt):
            os._exit(0)
        if not data:
            os._exit(0)
        msg = json.loads(data.decode("utf-8"))
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                for target, fd in enumerate(fds):
                    os.dup2(fd, target)
                os.closerange(len(fds), 1 << 16)
            except BaseException:
                os._exit(127)
            _python_child(msg)
        for fd in fds:
            os.close(fd)
        try:
            sock.send(json.dumps({"pid": pid}).encode())
            _, status = os.waitpid(pid, 0)
            sock.send(json.dumps({"status": status}).encode())
        except OSError:
            os._exit(0)


def start_zygote():
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        parent.close()
        zygote_loop(child)
        os._exit(0)
    child.close()
    return pid, parent


# ---------------------------------------------------------------- harness side

def _set_non_dumpable():
    """Keep same-uid programs out of /proc/<harness>/mem (where the expected outputs live)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


def _pipe(size=1 << 20):
    r, w = os.pipe()
    try:
        import fcntl
        fcntl.fcntl(w, 1031, size)  # F_SETPIPE_SZ: fewer wake-ups for large outputs
    except (OSError, ImportError):
        pass
    return r, w


def _decode(data):
    return data.decode("utf-8", errors="replace")



def kill_tree(pid):
    """SIGKILL the process group led by pid, and pid itself if it left the group."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass

class Outcome:
    __slots__ = ("timed_out", "status", "stdout", "stderr", "out_trunc", "err_trunc", "time")


class Harness:
    def __init__(self, zygote):
        self.zygote_pid, self.zsock = zygote
        self.cgroup_root = os.environ.get("RL_CGROUP_ROOT") or "/sys/fs/cgroup"  # tests point it at a fake tree

    # -- process launch
    def launch_python(self, path, limits, cwd):
        stdin_r, stdin_w = _pipe()
        out_r, out_w = _pipe()
        err_r, err_w = _pipe()
        child_fds = [stdin_r, out_w, err_w]
        msg = {"path": path, "limits": limits, "cwd": cwd}
        socket.send_fds(self.zsock, [json.dumps(msg).encode()], child_fds)
        for fd in child_fds:
            os.close(fd)
        reply = json.loads(self.zsock.recv(65536).decode())
        fds_parent = {"stdin": stdin_w, "stdout": out_r, "stderr": err_r}
        return ZygoteChild(reply["pid"], self.zsock), fds_parent

    def launch_exec(self, argv, limits, cwd, env=None):
        stdin_r, stdin_w = _pipe()
        out_r, out_w = _pipe()
        err_r, err_w = _pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                _reset_child_signals()
                _apply_limits(limits)
                os.chdir(cwd)
                os.dup2(stdin_r, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.closerange(3, 1 << 16)
                os.execvpe(argv[0], argv, env or os.environ)
            except BaseException as e:
                try:
                    os.write(2, ("cannot start %s: %s\n" % (argv[0], e)).encode())
                except BaseException:
                    pass
            os._exit(127)
        for fd in (stdin_r, out_w, err_w):
            os.close(fd)
        return ForkChild(pid), {"stdin": stdin_w, "stdout": out_r, "stderr": err_r}

    # -- supervision: feed stdin, collect capped output, enforce the wall-clock limit
    def supervise(self, child, fds, stdin_data, timeout_s, cap, start):
        deadline = start + timeout_s
        poller = select.poll()
        buffers = {"stdout": bytearray(), "stderr": bytearray()}
        caps = {"stdout": cap, "stderr": cap}
        truncated = {"stdout": False, "stderr": False}
        by_fd = {}
        for name in ("stdout", "stderr"):
            if name in fds:
                by_fd[fds[name]] = name
                poller.register(fds[name], select.POLLIN)
        stdin_fd = fds["stdin"]
        pending = memoryview(stdin_data)
        if pending:
            os.set_blocking(stdin_fd, False)
            poller.register(stdin_fd, select.POLLOUT)
        else:
            os.close(stdin_fd)
            stdin_fd = -1
        exit_fd = child.exit_fd()
        poller.register(exit_fd, select.POLLIN)
        status = None
        timed_out = False
        exit_time = None
        open_outputs = len(by_fd)
        while True:
            t = time.monotonic()
            if status is None and t >= deadline:
                timed_out = True
                break
            if status is not None and (open_outputs == 0 or t >= exit_time + POST_EXIT_GRACE_S):
                break
            wait_s = (deadline - t) if status is None else (exit_time + POST_EXIT_GRACE_S - t)
            for fd, ev in poller.poll(max(0.0, wait_s) * 1000 + 1):
                if fd == stdin_fd:
                    try:
                        n = os.write(fd, pending[:1 << 20])
                        pending = pending[n:]
                    except BlockingIOError:
                        continue
                    except OSError:  # program closed stdin / exited: the rest is unread, as with a real pipe
                        pending = pending[:0]
                    if not pending:
                        poller.unregister(fd)
                        os.close(fd)
                        stdin_fd = -1
                elif fd == exit_fd:
                    if status is None:
                        status = child.collect_status()
                        if status is not None:
                            exit_time = time.monotonic()
                            poller.unregister(exit_fd)
                elif fd in by_fd:
                    name = by_fd[fd]
                    data = os.read(fd, 1 << 20) if ev & (select.POLLIN | select.POLLHUP) else b""
                    if not data:
                        poller.unregister(fd)
                        os.close(fd)
                        del by_fd[fd]
                        open_outputs -= 1
                        continue
                    buf = buffers[name]
                    room = caps[name] - len(buf)
                    if room > 0:
                        buf += data[:room]
                    if len(data) > room:
                        truncated[name] = True  # keep draining so the program never blocks on a full pipe
        elapsed = time.monotonic() - start
        if timed_out:
            child.kill_group()
            status = child.wait_blocking()
        else:
            child.kill_group()  # background children still in the program's process group
        for fd in list(by_fd):
            os.close(fd)
        if stdin_fd >= 0:
            os.close(stdin_fd)
        child.release()
        o = Outcome()
        o.timed_out = timed_out
        o.status = status
        o.stdout = bytes(buffers["stdout"])
        o.stderr = bytes(buffers["stderr"])
        o.out_trunc = truncated["stdout"]
        o.err_trunc = truncated["stderr"]
        o.time = elapsed
        return o

    # -- cleanup between cases
    def sweep(self):
        """Kill every process the program left behind (daemons, setsid-escaped fork bombs).

        kill(-1, SIGKILL) reaches every process of the namespace except init and ourselves, and is
        atomic against fork, so a fork bomb cannot outrun it. It also kills the zygote, which is
        then replaced by a fresh interpreter (exec'ed, so it never holds the request)."""
        if not IN_CONTAINER:
            return
        me = os.getpid()
        mine = {1, me, self.zygote_pid}
        try:
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine]
        except OSError:
            others = ["?"]
        if not others:
            return
        for _ in range(10):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            except OSError:
                break
            time.sleep(0.002)
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        try:
            self.zsock.close()
        except OSError:
            pass
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            parent.close()
            os.dup2(child.fileno(), 3)
            os.closerange(4, 1 << 16)
            os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), "--zygote-fd", "3"])
        child.close()
        self.zygote_pid, self.zsock = pid, parent

    def oom_kills(self):
        """OOM kills so far in this container's memory cgroup, or None when no counter is readable.

        cgroup v2 (unified, the container's own namespace root): memory.events; cgroup v1: memory/memory.oom_control.
        Both have an "oom_kill N" line (v1 since Linux 4.13)."""
        for rel in ("memory.events", "memory/memory.oom_control"):
            try:
                with open(os.path.join(self.cgroup_root, rel)) as f:
                    for line in f:
                        if line.startswith("oom_kill "):
                            return int(line.split()[1])
            except (OSError, ValueError):
                continue
        return None


class ZygoteChild:
    def __init__(self, pid, sock):
        self.pid = pid
        self.sock = sock
        self.status = None

    def exit_fd(self):
        return self.sock.fileno()

    def collect_status(self):
        try:
            data = self.sock.recv(65536)
        except OSError:
            return None
        if not data:
            return None
        self.status = json.loads(data.decode())["status"]
        return self.status

    def kill_group(self):
        kill_tree(self.pid)

    def wait_blocking(self):
        if self.status is not None:
            return self.status
        self.sock.settimeout(2.0)
        try:
            return self.collect_status()
        except OSError:
            return None
        finally:
            self.sock.settimeout(None)

    def release(self):
        pass


class ForkChild:
    def __init__(self, pid):
        self.pid = pid
        self.status = None
        self.pidfd = os.pidfd_open(pid)

    def exit_fd(self):
        return self.pidfd

    def collect_status(self):
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        self.status = status
        return status

    def kill_group(self):
        kill_tree(self.pid)

    def wait_blocking(self):
        if self.status is None:
            _, self.status = os.waitpid(self.pid, 0)
        return self.status

    def release(self):
        os.close(self.pidfd)


# ---------------------------------------------------------------- judging

def exact_match(expected, got):
    """verl's rule: equal after rstrip("\\n") of both sides (sandbox/compare.ts has the same)."""
    return got.rstrip("\n") == expected.rstrip("\n")


def _is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def lenient_match(expected, got):
    """SandboxFusion's dataset judges: stripped lines, lower-cased, floats to relative 1e-5."""
    got_lines = got.strip().split("\n")
    exp_lines = expected.strip().split("\n")
    if len(got_lines) - len(exp_lines) == 1 and got_lines[-1] == "":
        got_lines = got_lines[:-1]
    if len(exp_lines) - len(got_lines) == 1 and exp_lines[-1] == "":
        exp_lines = exp_lines[:-1]
    if len(got_lines) != len(exp_lines):
        return False
    for g, e in zip(got_lines, exp_lines):
        g, e = g.lower().strip(), e.lower().strip()
        if g != e:
            if _is_float(g) and _is_float(e) and abs(float(g) - float(e)) / max(abs(float(e)), 1e-10) < 1e-5:
                continue
            return False
    return True


def _first_difference(expected, got):
    exp_lines = expected.split("\n")
    got_lines = got.split("\n")
    for i in range(max(len(exp_lines), len(got_lines))):
        e = exp_lines[i] if i < len(exp_lines) else "<end of output>"
        g = got_lines[i] if i < len(got_lines) else "<end of output>"
        if e != g:
            return "line %d: expected %s, got %s" % (i + 1, _clip(repr(e)), _clip(repr(g)))
    return "output differs"


def _clip(s, n=120):
    return s if len(s) <= n else s[:n] + "..."


def _signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


def _runtime_message(outcome, return_code, oom):
    if oom:
        return "killed: out of memory (memory limit)"
    if return_code is not None and return_code < 0:
        sig = -return_code
        note = " (memory or process limit?)" if sig == signal.SIGKILL else ""
        return "killed by %s%s" % (_signal_name(sig), note)
    err = _decode(outcome.stderr).strip().splitlines()
    tail = err[-1] if err else ""
    return _clip(("exit code %d" % return_code) + (": " + tail if tail else ""), 300)


# ---------------------------------------------------------------- language runners
# Semantics follow SandboxFusion's runners: source file name, compile step (its result is reported
# as compile_result), then the run. JAVA_CLASSPATH: the jars SandboxFusion puts on java's classpath.
JAVA_CLASSPATH = ["/usr/share/java/javatuples.jar"]
TS_TRANSPILER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ts-transpile.cjs")


class Lang:
    """source: file the code is written to; compile(job) -> argv or None; run(job) -> argv (None: python zygote)."""

    def __init__(self, source, run, compile=None, appendable=True):
        self.source = source
        self.compile = compile
        self.run = run
        self.appendable = appendable  # assert cases can be appended to the source (interpreted languages)


def _java_cp(job):
    jars = [name for name in (job.req.get("files") or {}) if name.endswith(".jar")]
    return ":".join(["."] + JAVA_CLASSPATH + jars)


LANGS = {
    "python": Lang("main.py", lambda job: None),
    # SandboxFusion runs `pytest FILE`: the code is a test module; its exit code is the verdict.
    "pytest": Lang("test_main.py", lambda job: [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                 job.path("test_main.py")], appendable=False),
    "cpp": Lang("main.cpp", lambda job: [job.path("main")],
                lambda job: ["g++", "-O2", "-std=gnu++17", "-pipe", "-o", job.path("main"), job.path("main.cpp")],
                appendable=False),
    "nodejs": Lang("main.js", lambda job: ["node", job.path("main.js")]),
    # Transpiled (no type check, like SandboxFusion's tsx) as the compile step, then run by node.
    "typescript": Lang("main.ts", lambda job: ["node", job.path("main.js")],
                       lambda job: ["node", TS_TRANSPILER, job.path("main.ts"), job.path("main.js")], appendable=False),
    # SandboxFusion writes Main.java and runs class Main with assertions enabled.
    # javac gets the quick-start flags (C1 only); the program keeps the full JIT.
    "java": Lang("Main.java", lambda job: ["java", "-cp", _java_cp(job), "-ea", "-XX:+UseSerialGC", "Main"],
                 lambda job: ["javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "-cp", _java_cp(job),
                              "-d", job.cwd, job.path("Main.java")], appendable=False),
    # -s -w: no symbol table/DWARF (panics still name functions); the link is a quarter faster.
    "go": Lang("main.go", lambda job: [job.path("out")],
               lambda job: ["go", "build", "-ldflags=-s -w", "-o", job.path("out"), job.path("main.go")],
               appendable=False),
    # Optimised like cpp's -O2 (SandboxFusion builds without flags); libstd linked dynamically: the link
    # of a static 11 MB binary took most of the compile time.
    "rust": Lang("main.rs", lambda job: [job.path("main")],
                 lambda job: ["rustc", "-O", "-C", "prefer-dynamic", "-o", job.path("main"), job.path("main.rs")],
                 appendable=False),
    "bash": Lang("main.sh", lambda job: ["bash", job.path("main.sh")]),
}


class Job:
    def __init__(self, harness, req):
        self.h = harness
        self.req = req
        self.lang = req["language"]
        self.timeout = float(req.get("timeout_s") or 10)
        self.cap = int(req.get("output_cap") or (1 << 20))
        self.cwd = WORKDIR
        self.match = lenient_match if req.get("compare") == "lenient" else exact_match
        mem_mb = req.get("memory_mb")
        self.limits = {}
        if not IN_CONTAINER:  # cgroups do this job inside the container
            self.limits = {"cpu_s": int(self.timeout) + 2, "fsize_bytes": 256 << 20, "nofile": 1024}
            if mem_mb and self.lang in ("python", "cpp"):
                self.limits["as_bytes"] = int(mem_mb) << 20

    def write_source(self, name, text):
        path = os.path.join(self.cwd, name)
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        return path

    def path(self, name):
        return os.path.join(self.cwd, name)

    def compile(self):
        """Returns a compile record (or None when the language is interpreted)."""
        spec = LANGS[self.lang]
        if spec.compile is None:
            return None
        self.write_source(spec.source, self.req["code"])
        timeout = float(self.req.get("compile_timeout_s") or 10)
        start = time.monotonic()
        child, fds = self.h.launch_exec(spec.compile(self), {}, self.cwd)
        o = self.h.supervise(child, fds, b"", timeout, self.cap, start)
        self.h.sweep()
        rc = None if o.status is None else os.waitstatus_to_exitcode(o.status)
        ok = not o.timed_out and rc == 0
        return {"type": "compile", "ok": ok, "status": "TimeLimitExceeded" if o.timed_out else "Finished",
                "time": o.time, "return_code": rc, "stdout": _decode(o.stdout), "stderr": _decode(o.stderr)}

    def program_for(self, case):
        """(argv or None for a zygote-forked python child, source path) for one case."""
        spec = LANGS[self.lang]
        programs = self.req.get("programs")
        code = programs[case["program"]] if programs and "program" in case else self.req["code"]
        if code != self.req["code"] and not spec.appendable:
            raise ValueError("assert and call-based cases need language python (assert: also nodejs or bash)")
        if spec.compile is None:
            self.write_source(spec.source, code)
        if self.lang == "python":
            return None, self.path(spec.source)
        return spec.run(self), None

    def run_case(self, index, case):
        kind = case["kind"]
        try:
            argv, path = self.program_for(case)
        except (ValueError, IndexError, KeyError) as e:
            return {"type": "case", "index": index, "verdict": "sandbox_error", "time": 0.0, "message": str(e),
                    "status": "Error", "return_code": None}
        stdin = case.get("stdin") or ""
        oom_before = self.h.oom_kills()
        start = time.monotonic()
        if argv is None:
            child, fds = self.h.launch_python(path, self.limits, self.cwd)
        else:
            child, fds = self.h.launch_exec(argv, self.limits, self.cwd)
        o = self.h.supervise(child, fds, stdin.encode("utf-8", errors="surrogatepass"), self.timeout, self.cap, start)
        self.h.sweep()
        oom_after = self.h.oom_kills()
        oom = oom_before is not None and oom_after is not None and oom_after > oom_before
        rc = None if o.status is None else os.waitstatus_to_exitcode(o.status)
        rec = {"type": "case", "index": index, "time": o.time, "return_code": rc,
               "status": "TimeLimitExceeded" if o.timed_out else "Finished"}
        if kind == "run":
            rec.update({"stdout": _decode(o.stdout), "stderr": _decode(o.stderr),
                        "stdout_truncated": o.out_trunc, "stderr_truncated": o.err_trunc})
        if o.timed_out:
            rec.update(verdict="time_limit", message="exceeded %gs wall-clock limit" % self.timeout)
        elif rc != 0:
            rec.update(verdict="runtime_error", message=_runtime_message(o, rc, oom))
        elif kind == "case" and case.get("expected") is not None:
            got = _decode(o.stdout)
            expected = case["expected"]
            if self.match(expected, got):
                rec["verdict"] = "pass"
            else:
                msg = _first_difference(expected.rstrip("\n"), got.rstrip("\n"))
                if o.out_trunc:
                    msg += " (output truncated at %d bytes)" % self.cap
                rec.update(verdict="wrong_answer", message=msg)
        else:  # no expected output (assert cases, run_code): exit 0 is a pass
            rec["verdict"] = "pass"
        return rec

    def _resolve(self, name):
        """Where a files/fetch_files path lives: relative to the working directory, or absolute as
        SandboxFusion allows; either way it must end up in a writable tmpfs (/tmp, /mnt) in the
        container, or in the private working directory on the host. Symlinks are resolved first."""
        path = os.path.realpath(os.path.join(self.cwd, name))
        roots = [os.path.realpath(r) for r in [self.cwd] + (["/tmp", "/mnt"] if IN_CONTAINER else [])]
        if not any(path == r or path.startswith(r.rstrip("/") + os.sep) for r in roots):
            raise ValueError("path %r is outside the writable directories (%s)" % (name, ", ".join(roots)))
        return path

    def put_files(self):
        for name, b64 in (self.req.get("files") or {}).items():
            if b64 is None:  # SandboxFusion skips files without content
                continue
            path = self._resolve(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(base64.b64decode(b64))

    def fetch_files(self):
        files = {}
        for name in self.req.get("fetch_files") or []:
            try:
                path = self._resolve(name)
            except ValueError:
                continue  # validated by the server; a symlink the program planted leads nowhere
            if not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as f:
                    files[name] = base64.b64encode(f.read(self.cap + 1)[: self.cap]).decode()
            except OSError:
                pass
        return files


def emit(obj):
    out = sys.stdout.buffer
    out.write(json.dumps(obj).encode("utf-8") + b"\n")
    out.flush()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--zygote-fd":  # a replacement zygote after a sweep
        zygote_loop(socket.socket(fileno=int(sys.argv[2])))
        return
    zygote = start_zygote()  # before the request exists in this process
    if IN_CONTAINER:
        _set_non_dumpable()
    raw = sys.stdin.buffer.read()
    try:
        req = json.loads(raw.decode("utf-8", errors="surrogatepass"))
        del raw
        emit({"type": "start"})
        os.makedirs(WORKDIR, exist_ok=True)
        harness = Harness(zygote)
        job = Job(harness, req)
        job.put_files()
        cases = req.get("cases") or []
        compiled = job.compile()
        if compiled is not None:
            emit(compiled)
        stop_early = bool(req.get("stop_on_first_failure"))
        if compiled is None or compiled["ok"]:
            for i, case in enumerate(cases):
                rec = job.run_case(i, case)
                emit(rec)
                if stop_early and rec["verdict"] != "pass":
                    break
        if req.get("fetch_files"):
            emit({"type": "files", "files": job.fetch_files()})
        emit({"type": "done"})
    except Exception as e:  # a harness bug or a malformed request: report it, never hang
        import traceback
        emit({"type": "error", "message": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()[-2000:]})
    finally:
        try:
            zygote[1].close()
        except OSError:
            pass


if __name__ == "__main__":
    main()
