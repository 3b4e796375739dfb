#!/usr/bin/env python3
"""Golden program test runner for stoffel-run (Python 3 standard library only).

Runs the cases of one or more JSON files in the format of ../shared/fixtures/cases.json:

    {"cases": [{"name": ..., "file": ..., "args": [...], "stdout": ... | "stdout_regex": ...,
                "stderr_contains": ..., "exit": N}, ...]}

Each case runs `stoffel-run <file> [entry] [args...]` with `file` taken relative to the JSON
file's folder, and checks the exit code, stdout (exactly, after trimming one trailing newline,
or a full match of `stdout_regex`) and stderr (`stderr_contains`, a substring or a list of
substrings; `stderr_regex`, searched). Fields this runner adds (see docs/testing.md):

    entry        function to run (put right after the program path)
    source       .stfa text, assembled with stoffel-asm into --work-dir first (instead of file)
    hex          the program's bytes in hex (malformed binaries), written into --work-dir
    timeout      seconds per run (default 60; multiplied by --timeout-scale)
    max_rss_mb   the child's peak resident set must stay below this (times --rss-scale)
    no_trace     skip the differential run with the tracing (hooked) interpreter loop
    stdin        text given to stoffel-run on its standard input (default: none, /dev/null);
                 "{file}" gives the case's program bytes instead (then the path is not put first)
    combined     the exact text of stdout and stderr written into one pipe (`2>&1 | cat`), from
                 one more run: what a user sees, in order
    combined_tty true: check `combined` on a pseudo-terminal too (line endings normalised)
    doc          free text: why the case exists / where the expectation comes from

An argument "{file}" in `args` stands for the program path; the path is then not put first.
A case with none of file/source/hex runs stoffel-run with `args` alone (CLI cases).

Unless a case says `"no_trace": true`, it is run a second time with --trace-instr --trace-regs
--trace-stack, which makes the VM use its hooked interpreter loop instead of the hook-free one;
both runs must give identical stdout and exit code (the trace itself goes to stderr, which is
counted and discarded). A case with `stdout_regex` declares that its output varies from run to
run (a freshly generated key, say): there the traced run's stdout must match the regex too,
rather than equal the first run's.

Cases named in the expected-failures file (`name<TAB>reason` per line) may fail (XFAIL); if
one passes, that is a failure, so the list cannot go stale. The last line printed is
`N passed, M failed` (plus `, K expected failures` when there are any).

Exit status: 0 when nothing failed, 1 when a case failed, 2 for a usage or case-file error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

# CTest starts one runner per case, so start-up time counts: CMake runs it with `python3 -S`
# (no site-packages, which this script does not need), and difflib is imported only for a
# failure's diff.

TRACE_FLAGS = ("--trace-instr", "--trace-regs", "--trace-stack")
DEFAULT_TIMEOUT_S = 60.0
STDOUT_LIMIT = 64 << 20  # a runaway program must not eat the runner's memory
STDERR_KEEP = 1 << 20  # stderr kept for checks; the rest is only counted
CASE_FIELDS = {
    "name", "file", "args", "stdout", "stdout_regex", "stderr_contains", "stderr_regex", "exit",
    "entry", "source", "hex", "timeout", "max_rss_mb", "no_trace", "doc", "stdin", "combined",
    "combined_tty",
}
FILE_FIELDS = {"format", "cases", "strict", "doc"}


class CaseFileError(Exception):
    """A case file that cannot be used: bad JSON, unknown fields, duplicate names, ..."""


def slug(name: str) -> str:
    """The CTest-friendly form of a case name; tests/programs/CMakeLists.txt computes the same."""
    return re.sub(r"[^A-Za-z0-9_./=+-]+", "_", name)


class Case(NamedTuple):
    spec: dict
    base: Path  # folder of the JSON file: `file` and `source` are relative to it
    origin: Path  # the JSON file

    @property
    def name(self) -> str:
        return self.spec["name"]


def load_cases(path: Path) -> list[Case]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CaseFileError(f"{path}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise CaseFileError(f"{path}: expected an object with a 'cases' list")
    unknown = set(data) - FILE_FIELDS
    if unknown:
        raise CaseFileError(f"{path}: unknown top-level fields {sorted(unknown)}")
    strict = bool(data.get("strict", False))
    cases = []
    for i, spec in enumerate(data["cases"]):
        where = f"{path}: case #{i}"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise CaseFileError(f"{where}: a case is an object with a string 'name'")
        where = f"{path}: case {spec['name']!r}"
        unknown = set(spec) - CASE_FIELDS
        if unknown:
            raise CaseFileError(f"{where}: unknown fields {sorted(unknown)}")
        if not isinstance(spec.get("exit"), int):
            raise CaseFileError(f"{where}: 'exit' (an integer) is required")
        if sum(k in spec for k in ("file", "source", "hex")) > 1:
            raise CaseFileError(f"{where}: give at most one of file, source, hex")
        if "stdout" in spec and "stdout_regex" in spec:
            raise CaseFileError(f"{where}: give stdout or stdout_regex, not both")
        if strict and "stdout" not in spec and "stdout_regex" not in spec:
            # In our own cases an unchecked stdout would let stray output pass unnoticed.
            raise CaseFileError(f"{where}: this file is strict: every case states its stdout")
        if not isinstance(spec.get("args", []), list) or not all(
            isinstance(a, str) for a in spec.get("args", [])
        ):
            raise CaseFileError(f"{where}: 'args' must be a list of strings")
        if "combined_tty" in spec and "combined" not in spec:
            raise CaseFileError(f"{where}: 'combined_tty' needs 'combined'")
        for key in ("stdin", "combined"):
            if key in spec and not isinstance(spec[key], str):
                raise CaseFileError(f"{where}: '{key}' must be a string")
        for key in ("stdout_regex", "stderr_regex"):
            if key in spec:
                try:
                    re.compile(spec[key])
                except re.error as e:
                    raise CaseFileError(f"{where}: bad {key}: {e}") from e
        cases.append(Case(spec, path.parent, path))
    return cases


def load_expected_failures(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    out = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, tab, reason = line.partition("\t")
        if not tab or not reason.strip():
            raise CaseFileError(f"{path}:{lineno}: expected 'name<TAB>reason'")
        if name in out:
            raise CaseFileError(f"{path}:{lineno}: {name!r} listed twice")
        out[name] = reason.strip()
    return out


# --- running one process ------------------------------------------------------------------------


class Outcome(NamedTuple):
    stdout: bytes
    stderr: bytes  # the first STDERR_KEEP bytes
    stderr_bytes: int  # how many bytes stderr had in all
    exit: int | None  # None: killed after the time limit
    max_rss_mb: float
    seconds: float
    stdout_overflow: bool


def _drain(stream, keep_limit: int, sink: list, counter: list, overflow: list) -> None:
    """Reads a pipe to its end, keeping at most keep_limit bytes (so the child never blocks)."""
    kept = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        counter[0] += len(chunk)
        if kept < keep_limit:
            part = chunk[: keep_limit - kept]
            sink.append(part)
            kept += len(part)
        elif not overflow:
            overflow.append(True)
    stream.close()


def _feed(stream, data: bytes) -> None:
    """Writes a child's standard input and closes it (a child that stops reading is fine)."""
    try:
        stream.write(data)
    except BrokenPipeError:
        pass
    finally:
        try:
            stream.close()
        except BrokenPipeError:
            pass


def run_process(argv: list[str], timeout: float, cwd: Path | None = None,
                stdin: bytes | None = None) -> Outcome:
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so a timeout can end exactly it
    )
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    out_chunks: list = []
    err_chunks: list = []
    out_count, err_count = [0], [0]
    out_overflow: list = []
    readers = [
        threading.Thread(
            target=_drain,
            args=(proc.stdout, STDOUT_LIMIT, out_chunks, out_count, out_overflow),
        ),
        threading.Thread(target=_drain, args=(proc.stderr, STDERR_KEEP, err_chunks, err_count, [])),
    ]
    for t in readers:
        t.daemon = True
        t.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        # wait4 instead of Popen.wait: it also returns this child's own peak RSS (ru_maxrss, KiB
        # on Linux), which is what max_rss_mb limits.
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(timeout=10)
    return Outcome(
        stdout=b"".join(out_chunks),
        stderr=b"".join(err_chunks),
        stderr_bytes=err_count[0],
        exit=None if timed_out.is_set() else proc.returncode,
        max_rss_mb=usage.ru_maxrss / 1024.0,
        seconds=time.monotonic() - start,
        stdout_overflow=bool(out_overflow),
    )


def run_combined(argv: list[str], timeout: float, cwd: Path | None, stdin: bytes | None,
                 tty: bool) -> tuple[str | None, int | None]:
    """Runs with stdout and stderr on one pipe, or on one pseudo-terminal: (text, exit code).

    The text is None when the run timed out. On a terminal the line discipline turns "\n" into
    "\r\n"; that is undone, so both runs are compared with the same expected text.
    """
    if tty:
        import pty

        leader, follower = pty.openpty()
        out_target = follower
    else:
        leader = follower = None
        out_target = subprocess.PIPE
    proc = subprocess.Popen(argv, cwd=cwd,
                            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                            stdout=out_target, stderr=subprocess.STDOUT, start_new_session=True)
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    chunks: list = []

    def read_all() -> None:
        if not tty:
            _drain(proc.stdout, STDOUT_LIMIT, chunks, [0], [])
            return
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not chunk:
                break
            chunks.append(chunk)

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    if tty:
        os.close(follower)  # only the child holds it now, so its exit ends the reader
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        code = None
    reader.join(timeout=10)
    if tty:
        os.close(leader)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    if tty:
        text = text.replace("\r\n", "\n")
    return (None if code is None else text), code


# --- preparing a case's program ---------------------------------------------------------------


class Runner:
    def __init__(self, opts: argparse.Namespace, expected_failures: dict[str, str]):
        # Absolute paths: stoffel-run runs from each case file's folder.
        self.run_bin = os.path.abspath(opts.stoffel_run)
        self.asm_bin = os.path.abspath(opts.stoffel_asm) if opts.stoffel_asm else None
        self.work_dir = Path(opts.work_dir).resolve() if opts.work_dir else None
        self._tmp = None
        self.timeout_scale = opts.timeout_scale
        self.rss_scale = opts.rss_scale
        self.trace = not opts.no_trace_run
        self.verbose = opts.verbose
        self.expected_failures = expected_failures

    def work(self) -> Path:
        if self.work_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="stoffel-golden-")
            self.work_dir = Path(self._tmp.name)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self.work_dir

    def assemble(self, case: Case) -> Path:
        """The .stflb of a `source` case, assembled unless an up-to-date one is in the work dir.

        The cache lets CTest (one process per case) assemble each source once; writing to a
        temporary name and renaming keeps parallel runs from seeing half-written files.
        """
        if not self.asm_bin:
            raise RuntimeError("case has a 'source' but no --stoffel-asm was given")
        source = (case.base / case.spec["source"]).resolve()
        try:
            rel = source.relative_to(case.base.resolve())
        except ValueError:
            rel = Path(source.name)
        out = self.work() / rel.with_suffix(".stflb")
        newest_input = max(source.stat().st_mtime, Path(self.asm_bin).stat().st_mtime)
        if out.exists() and out.stat().st_mtime >= newest_input:
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".tmp")
        os.close(fd)
        try:
            done = subprocess.run([self.asm_bin, str(source), "-o", tmp], capture_output=True,
                                  text=True, timeout=60 * self.timeout_scale)
            if done.returncode != 0:
                raise RuntimeError(f"stoffel-asm failed on {source}:\n{done.stderr.strip()}")
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return out

    def program_path(self, case: Case) -> str | None:
        spec = case.spec
        if "file" in spec:
            return str((case.base / spec["file"]).resolve())
        if "source" in spec:
            return str(self.assemble(case))
        if "hex" in spec:
            data = bytes.fromhex("".join(spec["hex"].split()))
            out = self.work() / "hex" / (slug(case.name).replace("/", "_") + ".stflb")
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, out)
            return str(out)
        return None

    def argv(self, case: Case, program: str | None) -> list[str]:
        args = list(case.spec.get("args", []))
        if case.spec.get("stdin") == "{file}":
            return [self.run_bin] + args  # the program comes on standard input
        if any("{file}" in a for a in args):
            if program is None:
                raise RuntimeError("'{file}' in args but the case has no program")
            return [self.run_bin] + [a.replace("{file}", program) for a in args]
        head = [program] if program is not None else []
        if "entry" in case.spec:
            head.append(case.spec["entry"])
        return [self.run_bin] + head + args

    # --- checking ---------------------------------------------------------------------------

    def check(self, case: Case) -> tuple[bool, list[str], str]:
        """Runs one case: (passed, problems, timing/memory note)."""
        spec = case.spec
        try:
            program = self.program_path(case)
            argv = self.argv(case, program)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            return False, [f"cannot prepare the case: {e}"], ""
        timeout = float(spec.get("timeout", DEFAULT_TIMEOUT_S)) * self.timeout_scale
        if spec.get("stdin") == "{file}":
            if program is None:
                return False, ["'stdin': '{file}' but the case has no program"], ""
            stdin = Path(program).read_bytes()
        else:
            stdin = spec["stdin"].encode("utf-8") if "stdin" in spec else None
        # Like the fixtures' cases.json says: run from the case file's folder.
        first = run_process(argv, timeout, cwd=case.base, stdin=stdin)
        problems = compare(spec, first)
        if "combined" in spec:
            for tty in (False, True) if spec.get("combined_tty") else (False,):
                where = "on a terminal" if tty else "in one pipe"
                text, code = run_combined(argv, timeout, case.base, stdin, tty)
                if text is None:
                    problems.append(f"stdout and stderr {where}: timed out")
                elif trim_newline(text) != trim_newline(spec["combined"]):
                    problems.append(f"stdout and stderr {where} differ:\n" + indent(
                        short_diff(trim_newline(spec["combined"]), trim_newline(text))))
                elif code != spec["exit"]:
                    problems.append(f"stdout and stderr {where}: exit {code}")
        note = f"{first.seconds:.2f}s, {first.max_rss_mb:.0f} MB"
        if "max_rss_mb" in spec:
            limit = float(spec["max_rss_mb"]) * self.rss_scale
            if first.max_rss_mb >= limit:
                problems.append(f"peak RSS {first.max_rss_mb:.1f} MB, limit {limit:.0f} MB")
        if self.trace and not spec.get("no_trace", False) and first.exit is not None:
            traced_argv = argv + [f for f in TRACE_FLAGS if f not in argv]
            second = run_process(traced_argv, timeout, cwd=case.base, stdin=stdin)
            note += f"; traced {second.seconds:.2f}s, {second.stderr_bytes} bytes of trace"
            problems.extend(compare_runs(first, second, spec.get("stdout_regex")))
        if self.verbose:
            problems_note = "" if not problems else f" ({len(problems)} problems)"
            print(f"  [{case.name}] {' '.join(argv)} -> {note}{problems_note}", flush=True)
        return not problems, problems, note

    def run_case(self, case: Case) -> str:
        """Runs and prints one case; returns 'pass', 'fail' or 'xfail'."""
        passed, problems, note = self.check(case)
        reason = self.expected_failures.get(case.name)
        if reason is not None:
            if passed:
                print(f"FAIL {case.name}: unexpectedly passes: remove it from "
                      "expected_failures.txt", flush=True)
                return "fail"
            print(f"XFAIL {case.name} ({reason})", flush=True)
            if self.verbose:
                for p in problems:
                    print(indent(p), flush=True)
            return "xfail"
        if passed:
            print(f"PASS {case.name}" + (f" [{note}]" if self.verbose else ""), flush=True)
            return "pass"
        print(f"FAIL {case.name}", flush=True)
        for p in problems:
            print(indent(p), flush=True)
        return "fail"


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def trim_newline(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def short_diff(expected: str, actual: str, limit: int = 24,
               names: tuple[str, str] = ("expected", "actual")) -> str:
    import difflib

    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), *names,
                                      lineterm="", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)


def excerpt(data: bytes, limit: int = 1200) -> str:
    text = data.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more chars)"


def compare(spec: dict, got: Outcome) -> list[str]:
    problems = []
    if got.exit is None:
        return [f"timed out after {got.seconds:.1f}s; stderr: {excerpt(got.stderr, 400)}"]
    stdout = trim_newline(got.stdout.decode("utf-8", errors="replace"))
    stderr = got.stderr.decode("utf-8", errors="replace")
    if got.exit != spec["exit"]:
        what = f"killed by signal {-got.exit}" if got.exit < 0 else f"exit {got.exit}"
        problems.append(f"expected exit {spec['exit']}, got {what}; stderr:\n"
                        f"{indent(excerpt(got.stderr))}")
    if got.stdout_overflow:
        problems.append(f"stdout exceeded {STDOUT_LIMIT} bytes")
    if "stdout" in spec:
        expected = trim_newline(spec["stdout"])
        if stdout != expected:
            problems.append("stdout differs:\n" + indent(short_diff(expected, stdout)))
    elif "stdout_regex" in spec and not re.fullmatch(spec["stdout_regex"], stdout):
        problems.append(f"stdout does not match /{spec['stdout_regex']}/:\n"
                        f"{indent(excerpt(got.stdout))}")
    wanted = spec.get("stderr_contains", [])
    for fragment in [wanted] if isinstance(wanted, str) else wanted:
        if fragment not in stderr:
            problems.append(f"stderr lacks {fragment!r}; stderr:\n{indent(excerpt(got.stderr))}")
    if "stderr_regex" in spec and not re.search(spec["stderr_regex"], stderr, re.MULTILINE):
        problems.append(f"stderr does not match /{spec['stderr_regex']}/; stderr:\n"
                        f"{indent(excerpt(got.stderr))}")
    return problems


def compare_runs(plain: Outcome, traced: Outcome, stdout_regex: str | None = None) -> list[str]:
    """The hooked loop must behave exactly like the hook-free loop."""
    if traced.exit is None:
        return [f"traced run timed out after {traced.seconds:.1f}s"]
    problems = []
    if traced.exit != plain.exit:
        problems.append(f"traced run: exit {traced.exit}, untraced {plain.exit}")
    if stdout_regex is not None:
        # Output that varies between runs: both runs must match the case's regex.
        b = trim_newline(traced.stdout.decode("utf-8", errors="replace"))
        if not re.fullmatch(stdout_regex, b):
            problems.append(f"traced run: stdout does not match /{stdout_regex}/:\n"
                            + indent(excerpt(traced.stdout)))
    elif traced.stdout != plain.stdout:
        a = plain.stdout.decode("utf-8", errors="replace")
        b = traced.stdout.decode("utf-8", errors="replace")
        problems.append("traced run: stdout differs from the untraced run:\n"
                        + indent(short_diff(a, b, names=("untraced", "traced"))))
    return problems


# --- lint: properties of the case files as a whole ------------------------------------------


def lint(cases: list[Case], expected_failures: dict[str, str], sources_dir: Path | None) -> list[str]:
    problems = []
    seen: dict[str, Path] = {}
    slugs: dict[str, str] = {}
    for c in cases:
        if c.name in seen:
            problems.append(f"case name {c.name!r} appears twice ({seen[c.name]}, {c.origin})")
        seen[c.name] = c.origin
        s = slug(c.name)
        if s in slugs and slugs[s] != c.name:
            problems.append(f"cases {slugs[s]!r} and {c.name!r} have the same CTest name {s!r}")
        slugs[s] = c.name
        for key in ("file", "source"):
            if key in c.spec and not (c.base / c.spec[key]).is_file():
                problems.append(f"case {c.name!r}: {key} {c.spec[key]!r} does not exist")
    for name in expected_failures:
        if name not in seen:
            problems.append(f"expected_failures.txt names {name!r}, which is no case: remove it")
    if sources_dir is not None:
        used = {(c.base / c.spec["source"]).resolve() for c in cases if "source" in c.spec}
        for stfa in sorted(sources_dir.rglob("*.stfa")):
            if stfa.resolve() not in used:
                problems.append(f"{stfa} is used by no case")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stoffel-run", required=True, help="path of the stoffel-run binary")
    ap.add_argument("--stoffel-asm", help="path of stoffel-asm (needed for 'source' cases)")
    ap.add_argument("--cases", action="append", required=True, type=Path,
                    help="a JSON case file (repeatable)")
    ap.add_argument("--case", action="append", default=[],
                    help="run only this case: its name or its CTest name (repeatable)")
    ap.add_argument("--expected-failures", type=Path,
                    default=Path(__file__).resolve().parent / "expected_failures.txt")
    ap.add_argument("--work-dir", help="where assembled and hex programs go (default: a temp dir)")
    ap.add_argument("--timeout-scale", type=float, default=1.0,
                    help="multiply every time limit (slow builds such as ASan)")
    ap.add_argument("--rss-scale", type=float, default=1.0,
                    help="multiply every max_rss_mb (ASan's shadow memory and quarantine)")
    ap.add_argument("--no-trace-run", action="store_true",
                    help="skip the differential run with tracing on")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("--lint", action="store_true",
                    help="check the case files as a whole (unique names, stale expected "
                         "failures, unused sources) and exit")
    ap.add_argument("--sources-dir", type=Path, help="with --lint: every .stfa here must be used")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()

    try:
        cases = [c for path in opts.cases for c in load_cases(path)]
        expected_failures = load_expected_failures(opts.expected_failures)
    except CaseFileError as e:
        print(f"run_golden: {e}", file=sys.stderr)
        return 2

    if opts.list:
        for c in cases:
            print(c.name)
        return 0
    if opts.lint:
        problems = lint(cases, expected_failures, opts.sources_dir)
        for p in problems:
            print(f"FAIL lint: {p}")
        if not problems:
            print(f"PASS lint: {len(cases)} cases, {len(expected_failures)} expected failures")
        print(f"{0 if problems else 1} passed, {len(problems)} failed")
        return 1 if problems else 0

    if opts.case:
        wanted = set(opts.case)
        selected = [c for c in cases if c.name in wanted or slug(c.name) in wanted]
        found = {c.name for c in selected} | {slug(c.name) for c in selected}
        missing = sorted(wanted - found)
        if missing:
            print(f"run_golden: no such case: {', '.join(missing)}", file=sys.stderr)
            return 2
    else:
        selected = cases
    if not os.access(opts.stoffel_run, os.X_OK):
        print(f"run_golden: {opts.stoffel_run} is not an executable (build it first)",
              file=sys.stderr)
        return 2

    runner = Runner(opts, expected_failures)
    counts = {"pass": 0, "fail": 0, "xfail": 0}
    for case in selected:
        counts[runner.run_case(case)] += 1
    summary = f"{counts['pass']} passed, {counts['fail']} failed"
    if counts["xfail"]:
        summary += f", {counts['xfail']} expected failures"
    print(summary)
    return 0 if counts["fail"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
