#!/usr/bin/env python3
"""Runs the examples of a documentation page and compares their output with the page.

A page marks its runnable examples with two kinds of fenced blocks (docs/testing.md,
"Documentation examples"):

    ```stfa file=sum.stfa          a program: written to the work folder under that name
    ...
    ```

    ```console step=sum            commands (lines starting with "$ ") and, after each, the exact
    $ stoffel-asm sum.stfa -o sum.stflb      output a user sees in a terminal (stdout and stderr
    $ stoffel-run sum.stflb                  as they interleave there)
    Program returned: 42
    ```

Every program of the page is written first; then every console block runs, in page order, each
command with `sh -c` in the work folder, with the built stoffel-asm and stoffel-run first on PATH.
A command must exit 0 unless its block says `exit=N` (the exit code of the block's last command;
earlier commands must succeed). The output is read from a pseudo-terminal, so stdout is line
buffered as in a terminal and the order of stdout and stderr lines is the one the user sees.
Three figures of --stats output vary from run to run: the run time (`program ran 0.123 ms`) and
the bytes and messages a party sent (`bytes sent N, messages sent M`; they depend slightly on the
parties' timing). The comparison ignores those numbers and nothing else.

Steps listed in NEEDS_USER_FIXES are known to fail (none since the issue 20 fixes, decision
W13). They run as expected failures: if one of them passes, the test fails and asks for its
removal from the list.
`--all` runs them as ordinary steps.
"""
import argparse
import difflib
import errno
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import termios
import time

# page file name -> step ids that need the issue 20 fixes of branch `user` (see the docstring).
NEEDS_USER_FIXES: dict = {}

FENCE = re.compile(r"^```(\S*)(.*)$")
ATTRIBUTE = re.compile(r"(\w+)=(\S+)")
TIMING = re.compile(r"program ran [0-9]+\.[0-9]+ ms")
TRAFFIC = re.compile(r"bytes sent [0-9]+, messages sent [0-9]+")


class PageError(Exception):
    pass


def parse_page(path):
    """Returns (programs: [(name, text, line)], steps: [(id, exit, [(command, expected)], line)])."""
    programs, steps = [], []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, attrs = m.group(1), dict(ATTRIBUTE.findall(m.group(2)))
        start = i + 1
        end = start
        while end < len(lines) and lines[end] != "```":
            end += 1
        if end == len(lines):
            raise PageError(f"{path}:{i + 1}: unterminated code block")
        body = lines[start:end]
        if lang == "stfa" and "file" in attrs:
            programs.append((attrs["file"], "\n".join(body) + "\n", i + 1))
        elif lang == "console" and "step" in attrs:
            commands = []
            for line in body:
                if line.startswith("$ "):
                    commands.append([line[2:], []])
                elif not commands:
                    raise PageError(f"{path}:{i + 1}: console block must start with a '$ ' command")
                else:
                    commands[-1][1].append(line)
            exit_code = int(attrs.get("exit", "0"))
            steps.append((attrs["step"], exit_code,
                          [(c, "".join(l + "\n" for l in out)) for c, out in commands], i + 1))
        i = end + 1
    names = [p[0] for p in programs]
    ids = [s[0] for s in steps]
    for what, items in (("program file", names), ("step", ids)):
        dupes = sorted({x for x in items if items.count(x) > 1})
        if dupes:
            raise PageError(f"{path}: {what} names used twice: {', '.join(dupes)}")
    return programs, steps


def run_in_terminal(command, cwd, env, timeout):
    """Runs `sh -c command` with stdout and stderr on one pseudo-terminal; (exit code, text)."""
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # no "\n" -> "\r\n": the text as the program wrote it
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    proc = subprocess.Popen(["sh", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno == errno.EIO:  # every writer closed the terminal
                    break
                raise
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    if timed_out:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None, b"".join(chunks).decode("utf-8", "replace")
    code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    return code, b"".join(chunks).decode("utf-8", "replace")


def normalise(text):
    text = TIMING.sub("program ran <N> ms", text)
    return TRAFFIC.sub("bytes sent <N>, messages sent <M>", text)


def run_step(step, work, env, timeout):
    """Runs one console block; returns None when it matches the page, else a description."""
    step_id, exit_code, commands, _ = step
    for k, (command, expected) in enumerate(commands):
        want_exit = exit_code if k == len(commands) - 1 else 0
        code, actual = run_in_terminal(command, work, env, timeout)
        if code is None:
            return f"$ {command}\ntimed out after {timeout:.0f} s; output so far:\n{actual}"
        problems = []
        if code != want_exit:
            problems.append(f"exit code {code}, the page expects {want_exit}")
        if normalise(actual) != normalise(expected):
            diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                        "page", "actual", lineterm="")
            problems.append("output differs from the page:\n" + "\n".join(diff))
        if problems:
            return f"$ {command}\n" + "\n".join(problems) + f"\nactual output:\n{actual}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--page", required=True, help="the Markdown page")
    ap.add_argument("--bin-dir", action="append", required=True,
                    help="folder with stoffel-asm / stoffel-run (put first on PATH; repeatable)")
    ap.add_argument("--work-dir", required=True, help="scratch folder (emptied first)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per command")
    ap.add_argument("--step", action="append", help="run only these steps")
    ap.add_argument("--all", action="store_true", help="run NEEDS_USER_FIXES steps as ordinary ones")
    args = ap.parse_args()

    try:
        programs, steps = parse_page(args.page)
    except PageError as e:
        print(f"FAIL: {e}")
        return 1
    if not steps:
        print(f"FAIL: {args.page} has no ```console step=...``` blocks")
        return 1
    page_name = os.path.basename(args.page)
    needs_fixes = set() if args.all else NEEDS_USER_FIXES.get(page_name, set())
    unknown = NEEDS_USER_FIXES.get(page_name, set()) - {s[0] for s in steps}
    if unknown:
        print(f"FAIL: NEEDS_USER_FIXES names steps {sorted(unknown)} that {page_name} lacks")
        return 1

    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)
    for name, text, _ in programs:
        if os.path.basename(name) != name:
            print(f"FAIL: program file name {name!r} must be a plain file name")
            return 1
        with open(os.path.join(args.work_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.abspath(d) for d in args.bin_dir] + [env.get("PATH", "")])
    env.pop("STOFFEL_AUTH_TOKEN", None)
    env["LC_ALL"] = "C"

    failures = 0
    for step in steps:
        step_id, line = step[0], step[3]
        if args.step and step_id not in args.step:
            continue
        problem = run_step(step, args.work_dir, env, args.timeout)
        where = f"{page_name}:{line} step {step_id}"
        if step_id in needs_fixes:
            if problem is None:
                print(f"FAIL {where}: passes now; remove it from NEEDS_USER_FIXES in {__file__}")
                failures += 1
            else:
                print(f"xfail {where} (in NEEDS_USER_FIXES: needs branch `user`'s issue 20 fixes)")
                print("  " + problem.replace("\n", "\n  "))
        elif problem is None:
            print(f"ok   {where}")
        else:
            print(f"FAIL {where}\n{problem}")
            failures += 1
    print(f"{failures} failing step(s) of {len(steps)} in {page_name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
