#!/usr/bin/env python3
"""Multi-process tests of distributed sessions (docs/network.md).

Each scenario starts real stoffel-run processes on 127.0.0.1 (a leader, parties, clients, rogue
peers) with ports chosen by the operating system: every process binds port 0 and the driver
reads the port it reports ("... listening on 127.0.0.1:PORT"). Every wait is bounded; when a
scenario fails, the log of every process it started is printed.

    run_sessions.py --stoffel-run BIN --stoffel-asm BIN --fixtures DIR --programs DIR SCENARIO
"""

import argparse
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ARGS = None
# Bound on any one wait of a process under test (its --timeout) and of the driver.
PROC_TIMEOUT = 30
STEP = 60


class Proc:
    """A process with its stdout and stderr collected line by line."""

    def __init__(self, name, argv, env):
        self.name = name
        self.argv = argv
        self.lines = {"out": [], "err": []}
        self.cv = threading.Condition()
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, text=True, errors="replace")
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, "out"), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, "err"), daemon=True)]
        for r in self.readers:
            r.start()

    def _read(self, stream, key):
        for line in stream:
            with self.cv:
                self.lines[key].append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_line(self, pattern, stream="err", timeout=STEP):
        """The first line of `stream` matching `pattern` (a regex), waiting at most `timeout`."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.lines[stream]:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: no line matching /{pattern}/ on std{stream} "
                                         f"within {timeout} s")
                if self.p.poll() is not None and all(not r.is_alive() for r in self.readers):
                    raise AssertionError(f"{self.name}: exited ({self.p.returncode}) without a line "
                                         f"matching /{pattern}/ on std{stream}")
                self.cv.wait(min(left, 0.1))

    def wait(self, timeout=STEP):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name}: still running after {timeout} s")
        for r in self.readers:
            r.join(5)
        return rc

    def stdout(self):
        with self.cv:
            return "\n".join(self.lines["out"])

    def stderr(self):
        with self.cv:
            return "\n".join(self.lines["err"])

    def log(self):
        rc = self.p.poll()
        return (f"----- {self.name} (exit {rc}): {' '.join(self.argv)}\n"
                f"[stdout]\n{self.stdout()}\n[stderr]\n{self.stderr()}\n")


class Session:
    """The processes of one scenario: killed at the end, logs printed on failure."""

    def __init__(self, token=None):
        self.procs = []
        self.token = token or secrets.token_hex(32)
        self.tmp = tempfile.TemporaryDirectory(prefix="stoffel-session-")

    def start(self, name, args, token=None):
        env = dict(os.environ)
        env["STOFFEL_AUTH_TOKEN"] = self.token if token is None else token
        p = Proc(name, [ARGS.stoffel_run] + [str(a) for a in args], env)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.p.poll() is None:
                p.p.kill()
                p.p.wait()
        self.tmp.cleanup()

    def logs(self):
        return "".join(p.log() for p in self.procs)


def fixture(rel):
    return os.path.join(ARGS.fixtures, rel)


def program(name, replace=None, folder=None):
    """Assembles <folder or tests/node/programs>/<name>.stfa (with text replaced: {old: new})
    into the scenario's temporary folder."""
    src = open(os.path.join(folder or ARGS.programs, name + ".stfa")).read()
    for old, new in (replace or {}).items():
        if old not in src:
            raise AssertionError(f"{name}.stfa has no '{old}'")
        src = src.replace(old, new)
    stfa = os.path.join(ARGS.work, name + ".stfa")
    out = os.path.join(ARGS.work, name + ".stflb")
    with open(stfa, "w") as f:
        f.write(src)
    subprocess.run([ARGS.stoffel_asm, stfa, "-o", out], check=True, timeout=STEP)
    return out


def start_parties(s, prog, n, t, clients=0, extra=(), party_extra=None, entry=None):
    """A leader (bootnode + party 0) and parties 1..n-1, all on ports the OS picks; `prog` None
    for a session without a program (--preprocess in `extra`), party_extra[i]: party i's own
    flags; `entry` the function to run (default main). Returns (processes, party addresses in
    party order, bootnode address)."""
    common = ["--n-parties", n, "--threshold", t, "--timeout", PROC_TIMEOUT] + list(extra)
    if clients:
        common += ["--wait-for-clients", clients]
    head = [] if prog is None else [prog] + ([entry] if entry else [])
    leader = s.start("leader", head + ["--leader", "--bind", "127.0.0.1:0"] + common +
                     (party_extra or {}).get(0, []))
    boot = leader.wait_line(r"\[bootnode\] Listening on (\S+) ").group(1)
    addrs = [leader.wait_line(r"Party 0 listening on (\S+) ").group(1)]
    procs = [leader]
    for i in range(1, n):
        more = (party_extra or {}).get(i, [])
        p = s.start(f"party{i}", head + ["--party-id", i, "--bootstrap", boot,
                                         "--bind", "127.0.0.1:0"] + common + more)
        addrs.append(p.wait_line(rf"Party {i} listening on (\S+) ").group(1))
        procs.append(p)
    return procs, addrs, boot


def start_client(s, name, inputs, addrs, index=None, extra=()):
    args = ["--client", "--servers", ",".join(addrs), "--n-parties", len(addrs),
            "--timeout", PROC_TIMEOUT]
    if inputs:
        args += ["--inputs=" + ",".join(str(v) for v in inputs)]
    if index is not None:
        args += ["--client-index", index]
    return s.start(name, args + list(extra))


def expect_exit(p, code, timeout=STEP):
    rc = p.wait(timeout)
    if rc != code:
        raise AssertionError(f"{p.name}: exit {rc}, expected {code}")


def expect_result(procs, value, timeout=STEP):
    for p in procs:
        expect_exit(p, 0, timeout)
        if f"Program returned: {value}" not in p.stdout().splitlines():
            raise AssertionError(f"{p.name}: no 'Program returned: {value}' on stdout")


# --- rogue peers ---------------------------------------------------------------------------------

def host_port(addr):
    host, port = addr.rsplit(":", 1)
    return host, int(port)


def send_garbage(addr):
    """Plain text, then random bytes: not TLS at all."""
    for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", secrets.token_bytes(3000),
                    b"\x16\x03\x01\xff\xff" + secrets.token_bytes(100)):
        with socket.create_connection(host_port(addr), timeout=10) as c:
            c.sendall(payload)
            c.settimeout(10)
            try:
                while c.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass


def rogue_tls(s, addr, frame_header):
    """A TLS 1.3 peer with its own Ed25519 key (stoffel-run keygen + openssl for the
    certificate) that completes the handshake, sends READY, then `frame_header` (and nothing
    more). Returns once the other side has closed the connection."""
    key = os.path.join(s.tmp.name, f"rogue{len(os.listdir(s.tmp.name))}.key")
    subprocess.run([ARGS.stoffel_run, "keygen", "-o", key], check=True, timeout=STEP,
                   stdout=subprocess.DEVNULL)
    cert = key + ".pem"
    subprocess.run(["openssl", "req", "-new", "-x509", "-key", key, "-subj", "/CN=rogue",
                    "-days", "1", "-out", cert], check=True, timeout=STEP,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    with socket.create_connection(host_port(addr), timeout=10) as raw:
        with ctx.wrap_socket(raw) as c:
            ready = b"STFREADY\x01\x00"
            c.sendall(len(ready).to_bytes(4, "little") + b"\x00\x00\x00\x00" + ready + frame_header)
            c.settimeout(10)
            try:
                while c.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout, ssl.SSLError, OSError):
                pass


# --- scenarios -----------------------------------------------------------------------------------

def readme_flow(s):
    """The README: leader + 4 parties + 2 clients (15, 25) on client_mul -> 375 everywhere."""
    procs, addrs, _ = start_parties(s, fixture("reference/client_mul.stflb"), 5, 1, clients=2)
    start = time.monotonic()
    c0 = start_client(s, "client0", [15], addrs)
    c1 = start_client(s, "client1", [25], addrs)
    expect_exit(c0, 0)
    expect_exit(c1, 0)
    took = time.monotonic() - start
    if took > 20:
        raise AssertionError(f"the clients took {took:.1f} s to finish")
    expect_result(procs, 375)


def n7(s):
    """n = 7, t = 2."""
    procs, addrs, _ = start_parties(s, fixture("reference/client_mul.stflb"), 7, 2, clients=2)
    c = [start_client(s, f"client{k}", [1000000], addrs, index=k) for k in range(2)]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, 1000000000000)


def outputs(s):
    """Several inputs per client, outputs sent to each client, client slots fixed by index."""
    procs, addrs, _ = start_parties(s, program("outputs"), 5, 1, clients=2)
    # Started in the "wrong" order: the slots come from --client-index.
    c1 = start_client(s, "client1", [5, 6], addrs, index=1)
    c0 = start_client(s, "client0", [3, 4], addrs, index=0)
    expect_exit(c0, 0)
    expect_exit(c1, 0)
    expect_result(procs, 18)
    if c0.stdout().strip() != "Client 0 output: 18, 12":
        raise AssertionError(f"client0 printed {c0.stdout()!r}")
    if c1.stdout().strip() != "Client 1 output: 18, 30":
        raise AssertionError(f"client1 printed {c1.stdout()!r}")


def fixed_point(s):
    """Fixed-point inputs: matrix_average_fixed_point with three clients of six decimals."""
    procs, addrs, _ = start_parties(s, fixture("lang/matrix_average_fixed_point.stflb"), 5, 1,
                                    clients=3)
    rows = [[1.5, 2.25, 3.0, 4.5, 5.75, 6.0], [2.5, 3.25, 4.0, 5.5, 6.75, 7.0],
            [3.5, 4.25, 5.0, 6.5, 7.75, 8.0]]
    c = [start_client(s, f"client{k}", rows[k], addrs, index=k) for k in range(3)]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, "[2.5f64, 3.25f64, 4f64, 5.5f64, 6.75f64, 7f64]")


def curves(s):
    """bn254 and curve25519 sessions (n = 4, t = 1), one after the other."""
    for curve, a, b, want in (("bn254", -7, 6, -42), ("curve25519", 15, 25, 375)):
        procs, addrs, _ = start_parties(s, fixture("reference/client_mul.stflb"), 4, 1, clients=2,
                                        extra=["--mpc-curve", curve])
        c = [start_client(s, f"{curve}-client{k}", [v], addrs, index=k)
             for k, v in enumerate((a, b))]
        for p in c:
            expect_exit(p, 0)
        expect_result(procs, want)
        for p in procs:
            if f"field={curve}-fr" not in p.stderr():
                raise AssertionError(f"{p.name}: the engine line does not name {curve}")


def sigkill_online(s):
    """Party 3 is killed with SIGKILL during the online phase; the others deliver the result."""
    # Size the online phase for this machine and build (sanitizers are slow): about 1 s of
    # clear work per party, in 20 rounds with a secret multiplication after each.
    start = time.monotonic()
    busy = subprocess.run([ARGS.stoffel_run, program("busy")], capture_output=True, text=True,
                          timeout=STEP)
    per_iteration = (time.monotonic() - start) / 2000000
    if "Program returned: 2000000" not in busy.stdout:
        raise AssertionError(f"busy.stfa: {busy.stdout} {busy.stderr}")
    per_round = max(10000, min(10000000, int(0.05 / per_iteration)))
    procs, _, _ = start_parties(s, program("long_online", {"LDI r7, 3000000":
                                                            f"LDI r7, {per_round}"}), 5, 1)
    victim = procs[3]
    victim.wait_line(r"Starting VM execution")
    time.sleep(0.3)
    if victim.p.poll() is not None or "Program returned" in victim.stdout():
        raise AssertionError("party 3 finished before it could be killed: the online phase of "
                             "long_online.stfa is too short for this machine")
    victim.p.send_signal(signal.SIGKILL)
    victim.wait()
    others = [p for p in procs if p is not victim]
    expect_result(others, 3145728, timeout=STEP * 2)
    for p in others:
        if "closed" not in p.stderr():
            raise AssertionError(f"{p.name}: did not report the lost link")


def wrong_token(s):
    """A party with another token is refused (exit 12); the bootnode keeps serving."""
    prog = program("mul")
    common = ["--n-parties", 4, "--threshold", 1, "--timeout", PROC_TIMEOUT]
    leader = s.start("leader", [prog, "--leader", "--bind", "127.0.0.1:0"] + common)
    boot = leader.wait_line(r"\[bootnode\] Listening on (\S+) ").group(1)
    bad = s.start("party1-wrong-token", [prog, "--party-id", 1, "--bootstrap", boot,
                                         "--bind", "127.0.0.1:0"] + common,
                  token="not-the-token")
    expect_exit(bad, 12)
    err = bad.stderr()
    if "STOFFEL_AUTH_TOKEN" not in err or len(err.splitlines()) > 3:
        raise AssertionError("the refused party does not say why in a line or two")
    leader.wait_line(r"refused .*STOFFEL_AUTH_TOKEN")
    if "not-the-token" in s.logs():
        raise AssertionError("a token appears in a log")
    procs = [leader] + [s.start(f"party{i}", [prog, "--party-id", i, "--bootstrap", boot,
                                             "--bind", "127.0.0.1:0"] + common)
                        for i in (1, 2, 3)]
    expect_result(procs, 42)
    if s.token in s.logs():
        raise AssertionError("the token appears in a log")


def wrong_program(s):
    """A party started with another program is refused naming both SHA-256 (exit 12)."""
    prog, other = program("mul"), program("outputs")
    common = ["--n-parties", 4, "--threshold", 1, "--timeout", PROC_TIMEOUT]
    leader = s.start("leader", [prog, "--leader", "--bind", "127.0.0.1:0"] + common)
    boot = leader.wait_line(r"\[bootnode\] Listening on (\S+) ").group(1)
    bad = s.start("party2-other-program", [other, "--party-id", 2, "--bootstrap", boot,
                                           "--bind", "127.0.0.1:0"] + common)
    expect_exit(bad, 12)
    hashes = re.findall(r"\b[0-9a-f]{64}\b", bad.stderr())
    if len(set(hashes)) < 2:
        raise AssertionError("the refusal does not name both program hashes")
    procs = [leader] + [s.start(f"party{i}", [prog, "--party-id", i, "--bootstrap", boot,
                                             "--bind", "127.0.0.1:0"] + common)
                        for i in (1, 2, 3)]
    expect_result(procs, 42)


def client_wrong_server(s):
    """A client given the servers out of order, or a server of another session, is refused with
    exit 24; the session is not disturbed."""
    procs, addrs, _ = start_parties(s, fixture("reference/client_mul.stflb"), 4, 1, clients=2)
    swapped = [addrs[0], addrs[2], addrs[1], addrs[3]]
    bad = start_client(s, "client-swapped", [1], swapped)
    expect_exit(bad, 24)
    if "list the servers in party order" not in bad.stderr():
        raise AssertionError("the swapped client does not say what is wrong")
    # A server of another session (its own roster) in the list.
    other = Session()
    try:
        oprocs, oaddrs, _ = start_parties(other, fixture("reference/client_mul.stflb"), 4, 1,
                                          clients=2)
        mixed = addrs[:3] + [oaddrs[3]]
        bad2 = start_client(s, "client-other-session", [1], mixed)
        expect_exit(bad2, 24)
    finally:
        if sys.exc_info()[0] is not None:
            print(other.logs())
        other.close()
    c = [start_client(s, f"client{k}", [v], addrs, index=k) for k, v in enumerate((15, 25))]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, 375)
    # Nobody listens at any of the servers: exit 21 once --timeout has passed.
    dead = []
    for _ in range(4):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead.append(f"127.0.0.1:{probe.getsockname()[1]}")
    nobody = s.start("client-nobody", ["--client", "--servers", ",".join(dead), "--n-parties", 4,
                                       "--inputs", 1, "--timeout", 1.5])
    expect_exit(nobody, 21)


def rbc_aba(s):
    """Reliable broadcast and binary agreement across processes (decision M9): the golden
    programs of tests/programs/cases/rbc_aba.stfa as distributed sessions. Parties done with
    their program keep serving until every party has finished."""
    prog = program("rbc_aba", folder=os.path.join(os.path.dirname(ARGS.programs), "..",
                                                  "programs", "cases"))
    procs, _, _ = start_parties(s, prog, 5, 1, extra=["broadcast_ids"])
    expect_result(procs, '"ppppppppppppppp"')
    for p in procs:
        if p.stdout().splitlines()[:5] != ["p", "pp", "ppp", "pppp", "ppppp"]:
            raise AssertionError(f"{p.name}: printed {p.stdout()!r}")
    procs, _, _ = start_parties(s, prog, 4, 1, extra=["vote_split"])
    results = set()
    for p in procs:
        expect_exit(p, 0)
        results.add(p.stdout().splitlines()[-1])
    if len(results) != 1 or results.pop() not in ("Program returned: true",
                                                  "Program returned: false"):
        raise AssertionError("the parties do not agree on the vote")


def oracle(script, *hex_args):
    """Runs a @noble/curves oracle of tests/oracle (installed by scripts/install-deps)."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle")
    out = subprocess.run([os.environ.get("STOFFEL_NODE", "node"), script] + list(hex_args),
                         cwd=folder, capture_output=True, text=True, timeout=STEP)
    if out.returncode != 0:
        raise AssertionError(f"oracle {script} failed: {out.stdout}{out.stderr}")
    return out.stdout.strip()


def avss_sign(s):
    """Threshold signatures with distributed keys over five processes (--mpc-backend avss):
    examples/threshold_eddsa.stfa on ed25519 and examples/threshold_bls.stfa on bls12-381. Every
    party returns the same signature, and @noble/curves verifies it (RFC 8032 for EdDSA, the
    pairing equation for BLS)."""
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    for name, curve, pk_len, sig_len, verifier, text in (
            ("threshold_eddsa", "ed25519", 32, 64, "ed25519_verify.js", "Stoffel threshold EdDSA"),
            ("threshold_bls", "bls12-381", 96, 48, "bls_verify.js", "Stoffel threshold BLS")):
        prog = program(name, folder=examples)
        procs, _, _ = start_parties(s, prog, 5, 1, extra=["--mpc-backend", "avss",
                                                          "--mpc-curve", curve])
        sigs = set()
        for p in procs:
            expect_exit(p, 0)
            out = p.stdout()
            pk = re.search(rf"public key: byte\[{pk_len}\] 0x([0-9a-f]+)", out).group(1)
            sig = re.search(rf"signature: byte\[{sig_len}\] 0x([0-9a-f]+)", out).group(1)
            if f"Program returned: byte[{sig_len}] 0x{sig}" not in out.splitlines():
                raise AssertionError(f"{p.name}: returned something else than its signature")
            if "backend=avss" not in p.stderr():
                raise AssertionError(f"{p.name}: the engine line does not name avss")
            sigs.add((pk, sig))
        if len(sigs) != 1:
            raise AssertionError(f"{name}: the parties disagree: {sigs}")
        pk, sig = sigs.pop()
        if oracle(verifier, pk, sig, text.encode().hex()) != "valid":
            raise AssertionError(f"{name}: @noble/curves rejects the signature {sig} under {pk}")


def auction(s):
    """examples/sealed_bid_auction.stfa over five processes and four clients (issue 18): bids 120,
    340, 275 and 340; the highest bid is 340 and the earliest bidder of it, client 1, wins (ties
    go to the earliest). Every party prints and returns the same two values, and each client
    learns only whether it won, printed as a bool: the output's type travels with it."""
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
    procs, addrs, _ = start_parties(s, program("sealed_bid_auction", folder=examples), 5, 1,
                                    clients=4)
    bids = [120, 340, 275, 340]
    c = [start_client(s, f"client{k}", [bid], addrs, index=k) for k, bid in enumerate(bids)]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, "[340, 1]")
    for p in procs:
        lines = p.stdout().splitlines()
        if "highest bid: 340" not in lines or "winner: 1" not in lines:
            raise AssertionError(f"{p.name}: printed {p.stdout()!r}")
    for k, p in enumerate(c):
        want = f"Client {k} output: {'true' if k == 1 else 'false'}"
        if p.stdout().strip() != want:
            raise AssertionError(f"client{k} printed {p.stdout()!r}, expected {want!r}")


def typed_outputs(s):
    """Outputs carry their type to the client process as they do on the embedded engine (issue
    20, bug 3): an integer, a fixed-point value and a bool to two clients
    (tests/programs/cases/mpc_results.stfa, the golden case mpc_results/typed_outputs_to_clients),
    then a client's fixed-point input sent back to it."""
    cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "programs", "cases")
    prog = program("mpc_results", folder=cases)
    procs, addrs, _ = start_parties(s, prog, 5, 1, clients=2,
                                    entry="typed_outputs_to_clients")
    c = [start_client(s, f"client{k}", [k + 1], addrs, index=k) for k in range(2)]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, 0)
    for k, want in ((0, "Client 0 output: -4, 0.25f64"), (1, "Client 1 output: true")):
        if c[k].stdout().strip() != want:
            raise AssertionError(f"client{k} printed {c[k].stdout()!r}, expected {want!r}")
    procs, addrs, _ = start_parties(s, prog, 5, 1, clients=1,
                                    entry="fixed_output_to_client")
    c0 = start_client(s, "fixed-client0", [1.5], addrs, index=0)
    expect_exit(c0, 0)
    expect_result(procs, "1.5f64")
    if c0.stdout().strip() != "Client 0 output: 1.5f64":
        raise AssertionError(f"fixed-client0 printed {c0.stdout()!r}")


def typed_inputs(s):
    """A client's inputs carry their kind to the parties (CLIENT_HELLO, agreed in CLIENT_SET):
    a fixed-point input read with ClientStore.take_share is the same execution error as on the
    embedded engine (issue 20, bug 6; the golden case mpc_failures/fixed_input_read_as_integer),
    not a silently scaled integer; an integer read as an integer still works."""
    cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "programs", "cases")
    prog = program("mpc_failures", folder=cases)
    procs, addrs, _ = start_parties(s, prog, 5, 1, clients=1, entry="read_int_input")
    c0 = start_client(s, "client0", [1.5], addrs, index=0)
    want = ("ClientStore.take_share: input 0 of client 0 is a fixed-point value "
            "(SecretFixedPoint), not an integer (SecretInt)")
    for p in procs:
        expect_exit(p, 4)
        if want not in p.stderr():
            raise AssertionError(f"{p.name}: no '{want}' on stderr")
        if "Program returned" in p.stdout():
            raise AssertionError(f"{p.name}: returned a value")
    c0.wait(STEP)
    procs, addrs, _ = start_parties(s, prog, 5, 1, clients=1, entry="read_int_input")
    c0 = start_client(s, "int-client0", [7], addrs, index=0)
    expect_exit(c0, 0)
    for p in procs:
        expect_exit(p, 0)
        if "Program returned" not in p.stdout():
            raise AssertionError(f"{p.name}: no result")


def identities(s):
    """Keys from `stoffel-run keygen` (mode 0600) used with --identity: each process presents
    exactly its key; a key file others can read is refused (exit 2) with the fix named."""
    keys, pubs = [], []
    for i in range(4):
        path = os.path.join(s.tmp.name, f"party{i}.key")
        out = subprocess.run([ARGS.stoffel_run, "keygen", "-o", path], check=True, timeout=STEP,
                             capture_output=True, text=True).stdout
        pubs.append(re.search(r"Public key: ([0-9a-f]{64})", out).group(1))
        if os.stat(path).st_mode & 0o777 != 0o600:
            raise AssertionError("keygen did not write mode 0600")
        keys.append(path)
    again = subprocess.run([ARGS.stoffel_run, "keygen", "-o", keys[0]], timeout=STEP,
                           capture_output=True, text=True)
    if again.returncode != 2 or "exists" not in again.stderr:
        raise AssertionError("keygen overwrote a key file")
    prog = program("mul")
    procs, _, _ = start_parties(s, prog, 4, 1, extra=[],
                                party_extra={i: ["--identity", keys[i]] for i in range(1, 4)})
    for i in range(1, 4):
        procs[i].wait_line(rf"Party {i} listening on \S+ \(key {pubs[i]}\)")
    expect_result(procs, 42)
    os.chmod(keys[0], 0o644)
    bad = s.start("party-readable-key", [prog, "--party-id", 0, "--bootstrap", "127.0.0.1:1",
                                         "--n-parties", 4, "--identity", keys[0]])
    expect_exit(bad, 2)
    if "chmod 600" not in bad.stderr():
        raise AssertionError("the refusal of a readable key does not say how to fix it")


def hostile_bytes(s):
    """Garbage and an oversized frame to every listening port (the bootnode and each party) while
    the session is waiting for its clients; every process keeps serving."""
    procs, addrs, boot = start_parties(s, fixture("reference/client_mul.stflb"), 4, 1, clients=2)
    for p in procs[1:]:
        p.wait_line(r"Waiting for 2 clients")
    for addr in [boot] + addrs:
        send_garbage(addr)
    # A frame announcing 1 GiB (over the 64 MiB limit), on a session channel.
    huge = (1 << 30).to_bytes(4, "little") + b"\x02\x00\x00\x00"
    for addr in [boot] + addrs:
        rogue_tls(s, addr, huge)
    for p in procs:
        p.wait_line(r"TLS handshake failed")
        p.wait_line(r"frame of 1073741824 bytes exceeds the limit")
    c = [start_client(s, f"client{k}", [v], addrs, index=k) for k, v in enumerate((15, 25))]
    for p in c:
        expect_exit(p, 0)
    expect_result(procs, 375)


# --- preprocessing stores (docs/store.md, "Distributed sessions") ---------------------------------

def keygen(s, n, prefix="party"):
    """n identity keys from `stoffel-run keygen`: the parties' lasting identities."""
    paths = []
    for i in range(n):
        path = os.path.join(s.tmp.name, f"{prefix}{i}.key")
        subprocess.run([ARGS.stoffel_run, "keygen", "-o", path], check=True, timeout=STEP,
                       stdout=subprocess.DEVNULL)
        paths.append(path)
    return paths


def with_identities(keys, more=()):
    return {i: ["--identity", k] + list(more) for i, k in enumerate(keys)}


def store_info(store):
    """Per party index, the consumed cursors [triples, random shares, random bits] summed over
    its lots, and the counts, read from `stoffel-run --store-info` (never from timing)."""
    r = subprocess.run([ARGS.stoffel_run, "--store-info", store], capture_output=True, text=True,
                       timeout=STEP)
    if r.returncode != 0:
        raise AssertionError(f"--store-info {store}: exit {r.returncode}: {r.stderr}")
    parties, party = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"party (\d+): ", line)
        if m:
            party = int(m.group(1))
            parties[party] = {"consumed": [0, 0, 0], "count": [0, 0, 0]}
            continue
        if party is not None and re.match(r"  lot \d+ ", line) and "unfinished" not in line:
            kinds = re.findall(r"(\d+) (?:triples|random shares|random bits) \((\d+) consumed", line)
            if len(kinds) != 3:
                raise AssertionError(f"--store-info: cannot read {line!r}")
            for k, (count, used) in enumerate(kinds):
                parties[party]["count"][k] += int(count)
                parties[party]["consumed"][k] += int(used)
    return parties


def preprocess(s, store, keys, triples, randoms, t=1):
    """A --preprocess session of the parties with these identity keys; every party stores one lot."""
    procs, _, _ = start_parties(s, None, len(keys), t,
                                extra=["--preprocess", "--triples", triples, "--random", randoms,
                                       "--preproc-store", store],
                                party_extra=with_identities(keys))
    for i, p in enumerate(procs):
        expect_exit(p, 0)
        want = (f"Stored {triples} triples, {randoms} random shares and 0 random bits in "
                f"{store}/party-{i} ")
        if not p.stdout().startswith(want):
            raise AssertionError(f"{p.name}: printed {p.stdout()!r}, expected {want!r}...")
    info = store_info(store)
    if sorted(info) != list(range(len(keys))):
        raise AssertionError(f"--store-info lists parties {sorted(info)}")
    for i, st in info.items():
        if st["count"] != [triples, randoms, 0] or st["consumed"] != [0, 0, 0]:
            raise AssertionError(f"party {i}'s store after --preprocess: {st}")
    return info


def expect_loaded(procs, triples, randoms):
    line = f"Loaded preprocessing material from store ({triples} triples, {randoms} random shares)"
    for p in procs:
        if line not in p.stderr().splitlines():
            raise AssertionError(f"{p.name}: no line '{line}'")


def expect_no_generation(procs):
    """--stats: nothing was generated (every triple, random share and mask came from the store)."""
    for p in procs:
        m = re.search(r"triples \d+/(\d+) used/generated, random shares \d+/(\d+), "
                      r"masks \d+/(\d+), from the store", p.stderr())
        if not m:
            raise AssertionError(f"{p.name}: no stats line with material from the store")
        if m.groups() != ("0", "0", "0"):
            raise AssertionError(f"{p.name}: generated preprocessing while the store lasted: "
                                 f"{m.group(0)}")


def store_online(s):
    """--preprocess as a session of four parties with keygen identities, then two online
    sessions of the same parties (client_mul, two clients): right results, the "Loaded ..." line
    at every party, no material generated, and the second run starts above the first's cursors
    (other items, read from --store-info)."""
    keys = keygen(s, 4)
    store = os.path.join(s.tmp.name, "st")
    preprocess(s, store, keys, 200, 40)
    prog = fixture("reference/client_mul.stflb")
    seen = [0, 0]
    left = [200, 40]
    for run in range(2):
        procs, addrs, _ = start_parties(s, prog, 4, 1, clients=2,
                                        extra=["--stats", "--preproc-store", store],
                                        party_extra=with_identities(keys))
        c = [start_client(s, f"run{run}-client{k}", [v], addrs, index=k)
             for k, v in enumerate((15, 25))]
        for p in c:
            expect_exit(p, 0)
        expect_result(procs, 375)
        expect_loaded(procs, left[0], left[1])
        expect_no_generation(procs)
        info = store_info(store)
        cursors = {tuple(st["consumed"][:2]) for st in info.values()}
        if len(cursors) != 1:
            raise AssertionError(f"run {run}: the parties' cursors differ: {info}")
        now = list(cursors.pop())
        # Two masks and one triple at least, all above what earlier runs used.
        if now[0] <= seen[0] or now[1] < seen[1] + 2:
            raise AssertionError(f"run {run}: cursors {now} do not rise above {seen}")
        seen = now
        left = [200 - now[0], 40 - now[1]]
    # Each party's store verified with the key derived from its own identity, and refused with
    # another party's.
    for i, key in enumerate(keys):
        r = subprocess.run([ARGS.stoffel_run, "--store-info", store, "--identity", key,
                            "--party-id", str(i)], capture_output=True, text=True, timeout=STEP)
        if r.returncode != 0 or "authenticated with the key derived from --identity" not in r.stdout \
                or f"party {i}: " not in r.stdout or "party index " + str(i) not in r.stdout:
            raise AssertionError(f"--store-info --identity party {i}: exit {r.returncode}: "
                                 f"{r.stdout} {r.stderr}")
    r = subprocess.run([ARGS.stoffel_run, "--store-info", store, "--identity", keys[0],
                        "--party-id", "1"], capture_output=True, text=True, timeout=STEP)
    if r.returncode != 5 or not r.stderr.startswith("Error: "):
        raise AssertionError(f"--store-info with another party's identity: exit {r.returncode}: "
                             f"{r.stdout} {r.stderr}")


def store_sigkill(s):
    """SIGKILL of party 3 while an online run consumes from the stores; the others finish. A new
    session of the same parties gives the right result and reuses nothing: it starts at the
    highest cursor any party reports, and every cursor only rises."""
    keys = keygen(s, 4)
    store = os.path.join(s.tmp.name, "st")
    preprocess(s, store, keys, 400, 20)
    # As sigkill_online: about 1 s of clear work per party in 20 rounds, a secret multiplication
    # after each, so the run takes triples from the store in several chunks (16, then 32).
    start = time.monotonic()
    busy = subprocess.run([ARGS.stoffel_run, program("busy")], capture_output=True, text=True,
                          timeout=STEP)
    per_iteration = (time.monotonic() - start) / 2000000
    per_round = max(10000, min(10000000, int(0.05 / per_iteration)))
    procs, _, _ = start_parties(s, program("long_online", {"LDI r7, 3000000":
                                                            f"LDI r7, {per_round}"}), 4, 1,
                                extra=["--preproc-store", store],
                                party_extra=with_identities(keys))
    victim = procs[3]
    victim.wait_line(r"Loaded preprocessing material from store \(400 triples")
    victim.wait_line(r"Starting VM execution")
    time.sleep(0.3)
    if victim.p.poll() is not None or "Program returned" in victim.stdout():
        raise AssertionError("party 3 finished before it could be killed: the online phase of "
                             "long_online.stfa is too short for this machine")
    victim.p.send_signal(signal.SIGKILL)
    victim.wait()
    expect_result(procs[:3], 3145728, timeout=STEP * 2)
    before = store_info(store)
    high = max(st["consumed"][0] for st in before.values())
    if min(before[i]["consumed"][0] for i in range(3)) == 0:
        raise AssertionError(f"the run took no triples from the stores: {before}")
    # The next session: every party, the same identities.
    procs, _, _ = start_parties(s, program("mul"), 4, 1, extra=["--preproc-store", store],
                                party_extra=with_identities(keys))
    expect_result(procs, 42)
    expect_loaded(procs, 400 - high, 20 - max(st["consumed"][1] for st in before.values()))
    after = store_info(store)
    for i, st in after.items():
        if st["consumed"][0] <= high:
            raise AssertionError(f"party {i}: triple cursor {st['consumed'][0]} after the new "
                                 f"session is not above the highest before ({high}): {before}")
        for k in range(3):
            if st["consumed"][k] < before[i]["consumed"][k]:
                raise AssertionError(f"party {i}: a cursor went down: {before[i]} -> {st}")


def store_refused(s):
    """A store used by another roster, with another key or another t is refused at every party
    (exit 5, the reason named) and nothing in it is used; a party without a lasting key, or
    without a store, stops before it joins."""
    keys = keygen(s, 4)
    store = os.path.join(s.tmp.name, "st")
    preprocess(s, store, keys, 50, 10)
    prog = program("mul")

    def refused(name, says, t=1, party_extra=None):
        procs, _, _ = start_parties(s, prog, 4, t, extra=["--preproc-store", store],
                                    party_extra=party_extra)
        for p in procs:
            expect_exit(p, 5)
            if not re.search(says, p.stderr()):
                raise AssertionError(f"{name}: {p.name} does not say /{says}/")
            if "Program returned" in p.stdout():
                raise AssertionError(f"{name}: {p.name} ran the program")

    # Party 3 with another identity: another roster for every party's store.
    other = keygen(s, 1, prefix="stranger")
    refused("another roster", r"holds material for .*roster [0-9a-f]+; this session is",
            party_extra=with_identities(keys[:3] + other))
    # The same parties, but the stores opened with a --store-key instead of the identities' keys.
    key_file = os.path.join(s.tmp.name, "store.key")
    with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    refused("another key", r"does not open with this key",
            party_extra=with_identities(keys, ["--store-key", key_file]))
    # The same parties with another threshold.
    refused("another t", r"holds material for .*t = 1.*; this session is .*t = 0", t=0,
            party_extra=with_identities(keys))
    info = store_info(store)
    for i, st in info.items():
        if st["consumed"] != [0, 0, 0]:
            raise AssertionError(f"party {i}: a refused store was used: {st}")
    # Without --identity the party's key is new every run: --store-key is required.
    bad = s.start("party-no-key", [prog, "--party-id", 1, "--bootstrap", "127.0.0.1:1",
                                   "--n-parties", 4, "--preproc-store", store])
    expect_exit(bad, 2)
    if "--identity" not in bad.stderr() or "--store-key" not in bad.stderr():
        raise AssertionError("the party without a lasting key does not say what to give")
    # A --preprocess party asking for other amounts than the session's: refused by the bootnode.
    procs, _, _ = start_parties(s, None, 4, 1,
                                extra=["--preprocess", "--random", 10, "--preproc-store", store],
                                party_extra={i: ["--identity", keys[i], "--triples",
                                                 11 if i == 2 else 10] for i in range(4)})
    expect_exit(procs[2], 12)
    if "'--preprocess triples=11 random=10 bits=0' differs from the session's " \
       "'--preprocess triples=10 random=10 bits=0'" not in procs[2].stderr():
        raise AssertionError("the party with other amounts is not told which")
    for p in procs[:2] + procs[3:]:
        p.p.kill()
    empty = os.path.join(s.tmp.name, "empty")
    os.mkdir(empty)
    bad = s.start("party-no-store", [prog, "--party-id", 1, "--bootstrap", "127.0.0.1:1",
                                     "--n-parties", 4, "--preproc-store", empty,
                                     "--identity", keys[1]])
    expect_exit(bad, 5)
    if "no preprocessing store in" not in bad.stderr():
        raise AssertionError("the party without a store does not say so")


SCENARIOS = {f.__name__: f for f in (readme_flow, n7, outputs, fixed_point, curves, sigkill_online,
                                      wrong_token, wrong_program, client_wrong_server,
                                      rbc_aba, avss_sign, auction, typed_outputs, typed_inputs, identities, hostile_bytes,
                                      store_online,
                                      store_sigkill, store_refused)}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--stoffel-run", required=True)
    ap.add_argument("--stoffel-asm", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--programs", required=True)
    ap.add_argument("scenario", choices=sorted(SCENARIOS) + ["all"])
    ARGS = ap.parse_args()
    names = sorted(SCENARIOS) if ARGS.scenario == "all" else [ARGS.scenario]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="stoffel-programs-") as work:
        ARGS.work = work
        for name in names:
            s = Session()
            start = time.monotonic()
            try:
                SCENARIOS[name](s)
                print(f"ok   {name} ({time.monotonic() - start:.1f} s)")
            except Exception as e:  # noqa: BLE001 - any failure prints every log
                failed += 1
                print(f"FAIL {name}: {e}\n{s.logs()}")
            finally:
                s.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
