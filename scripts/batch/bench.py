#!/usr/bin/env python3
"""Batch geocoding benchmarks: rows/s of the CLI, of our /search/csv/ and of addok's, on the same
file in one run; and the server's memory while a large file streams through /search/csv/.

    python3 scripts/batch/bench.py speed  [--rows 20000] [--addok http://127.0.0.1:7979]
    python3 scripts/batch/bench.py memory [--gigabytes 1.0]
    python3 scripts/batch/bench.py cli-memory [--rows 10000000]

Both start our server themselves (target/release/adresse, index var/index, port 7881 by default)
on loopback and stop it at the end. `speed` builds the input with make_csv.py (real BAN rows,
seeded); addok is skipped when it does not answer. `memory` streams a generated file with
chunked transfer encoding and samples the server's resident memory (VmRSS) every 0.2 s: mostly
rows too short to search (answered at once), one real address per 100 rows, so that the run
measures the streaming path (upload, parse, output) in bounded time rather than search speed.
`cli-memory` writes a file of --rows rows (99 rows "ab,x" for one real address; all are
searched, cheaply) to target/batch/ and reports the CLI's peak RSS (getrusage of the child)
against a 3,000-row run. Everything is bounded in size and time. Standard library only.
"""
import argparse
import concurrent.futures
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "adresse")
# How addok gets the file (see speed()): rows per request, requests at a time (its workers).
ADDOK_ROWS = 1000
ADDOK_WORKERS = 2


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def start_server(port, index):
    server = subprocess.Popen(
        [BINARY, "serve", "--index", index, "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("our server did not start")


def multipart_head(boundary, params):
    head = b""
    for name, value in params:
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; "
             f"filename=\"rows.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    return head


def post_csv(base, params, chunks, timeout=3600, chunked=True):
    """POSTs a multipart upload built from an iterator of file chunks, with chunked transfer
    encoding (or, with chunked=False, with a Content-Length: addok answers 500 to chunked
    uploads), while reading the answer in parallel (the server streams its output while the
    upload is still arriving, so reading only at the end could stall both sides). Returns
    (status, bytes received, seconds)."""
    boundary = uuid.uuid4().hex
    host, port = base.replace("http://", "").rstrip("/").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    started = time.time()

    head = multipart_head(boundary, params)
    tail = f"\r\n--{boundary}--\r\n".encode()

    def send_all():
        request = (f"POST /search/csv/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                   f"Content-Type: multipart/form-data; boundary={boundary}\r\n")
        if not chunked:
            body = head + b"".join(chunks) + tail
            sock.sendall(f"{request}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return

        def send(piece):
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        sock.sendall(f"{request}Transfer-Encoding: chunked\r\n\r\n".encode())
        send(head)
        for chunk in chunks:
            send(chunk)
        send(tail)
        sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()
    received = 0
    first = b""
    while True:
        piece = sock.recv(1 << 16)
        if not piece:
            break
        if len(first) < 64:
            first += piece[:64]
        received += len(piece)
    sender.join(timeout=5)
    sock.close()
    status = int(first.split(b" ")[1]) if first.startswith(b"HTTP/") else 0
    return status, received, time.time() - started


def file_chunks(path, size=1 << 16):
    with open(path, "rb") as f:
        while True:
            piece = f.read(size)
            if not piece:
                return
            yield piece


def count_rows(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f) - 1


def speed(args):
    args.rows = args.rows or 20000
    os.makedirs(os.path.join(ROOT, "target", "batch"), exist_ok=True)
    path = os.path.join(ROOT, "target", "batch", f"bench-{args.rows}.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "batch", "make_csv.py"),
                    "--rows", str(args.rows), "--seed", "7", "-o", path], check=True, cwd=ROOT)
    rows = count_rows(path)
    columns = ["adresse", "code_postal", "commune"]
    results = []

    started = time.time()
    cli = [BINARY, "geocode", path, "-o", os.devnull, "--index", args.index]
    for c in columns:
        cli += ["--columns", c]
    subprocess.run(cli, check=True, stderr=subprocess.DEVNULL)
    results.append(("adresse geocode (CLI, all cores)", rows / (time.time() - started)))

    server = start_server(args.port, args.index)
    try:
        params = [("columns", c) for c in columns]
        status, _, seconds = post_csv(f"http://127.0.0.1:{args.port}", params, file_chunks(path),
                                      chunked=False)
        assert status == 200, status
        results.append(("our POST /search/csv/", rows / seconds))
    finally:
        server.terminate()
        server.wait()

    try:
        urllib.request.urlopen(f"{args.addok}/search/?q=gap", timeout=3).read()
        addok_up = True
    except OSError:
        addok_up = False
        log(f"addok does not answer on {args.addok}: skipped")
    if addok_up:
        # addok refuses a part over ~1 MB ("body part is too large") and its gunicorn workers
        # time out after 30 s, so the file goes in pieces of ADDOK_ROWS rows, one request per
        # worker at a time: the best addok can do with this file.
        params = [("columns", c) for c in columns]
        with open(path, "rb") as f:
            header, *lines = f.readlines()
        pieces = [header + b"".join(lines[i:i + ADDOK_ROWS])
                  for i in range(0, len(lines), ADDOK_ROWS)]
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=ADDOK_WORKERS) as pool:
            statuses = list(pool.map(
                lambda piece: post_csv(args.addok, params, [piece], chunked=False)[0], pieces))
        seconds = time.time() - started
        if all(s == 200 for s in statuses):
            results.append((f"addok POST /search/csv/ ({len(pieces)} requests of "
                            f"{ADDOK_ROWS} rows, {ADDOK_WORKERS} at a time)", rows / seconds))
        else:
            log(f"addok answered {sorted(set(statuses))}")
    print(f"| what | rows | rows/s |\n|---|--:|--:|")
    for name, rate in results:
        print(f"| {name} | {rows} | {rate:,.0f} |")
    if addok_up and len(results) == 3:
        print(f"\nours / addok over HTTP: {results[1][1] / results[2][1]:.1f}×")


def generated_rows(total_bytes):
    """~total_bytes of CSV: 99 rows with an address too short to search and a 1 kB note (so
    that bytes, not rows, dominate), for one real address."""
    yield b"adresse,ville,note\n"
    note = b"n" * 1000
    block = (b"ab,," + note + b"\n") * 99 + b"8 rue de Rivoli,Paris," + note + b"\n"
    piece = block * 150
    sent = 0
    while sent < total_bytes:
        yield piece
        sent += len(piece)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory(args):
    server = start_server(args.port, args.index)
    samples = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append((time.time(), rss_kib(server.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        baseline = rss_kib(server.pid)
        sampler.start()
        total = int(args.gigabytes * (1 << 30))
        status, received, seconds = post_csv(
            f"http://127.0.0.1:{args.port}", [("columns", "adresse"), ("columns", "ville")],
            generated_rows(total))
        assert status == 200, status
        done.set()
        sampler.join()
        peak = max(kib for _, kib in samples)
        print(f"uploaded {total / (1 << 30):.2f} GiB in {seconds:.1f}s "
              f"({total / seconds / (1 << 20):.0f} MiB/s), status {status}, "
              f"{received / (1 << 20):.0f} MiB received")
        print(f"server RSS: {baseline / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB "
              f"(+{(peak - baseline) / 1024:.0f} MiB), {len(samples)} samples")
    finally:
        done.set()
        server.terminate()
        server.wait()


def cli_memory(args):
    args.rows = args.rows or 10_000_000
    os.makedirs(os.path.join(ROOT, "target", "batch"), exist_ok=True)
    path = os.path.join(ROOT, "target", "batch", f"cheap-{args.rows}.csv")
    with open(path, "wb") as f:
        f.write(b"adresse,ville\n")
        block = b"ab,x\n" * 99 + b"8 rue de Rivoli,Paris\n"
        for _ in range(args.rows // 100):
            f.write(block)
    for rows in (3000, args.rows):
        source = path
        if rows != args.rows:
            source = path + ".head"
            with open(path, "rb") as f, open(source, "wb") as out:
                for _ in range(rows + 1):
                    out.write(f.readline())
        started = time.time()
        # A fresh interpreter per run, so that RUSAGE_CHILDREN holds this run alone.
        measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                   "stderr=subprocess.DEVNULL); "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", measure, BINARY, "geocode", source, "-o",
                              os.devnull, "--index", args.index],
                             check=True, capture_output=True, text=True).stdout
        print(f"{rows:,} rows: {time.time() - started:.1f}s, peak RSS {int(out) / 1024:.0f} MiB")
    os.remove(path)
    os.remove(path + ".head")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["speed", "memory", "cli-memory"])
    parser.add_argument("--rows", type=int, default=None,
                        help="rows: 20,000 for speed, 10,000,000 for cli-memory")
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--index", default=os.path.join(ROOT, "var", "index"))
    parser.add_argument("--port", type=int, default=7881)
    parser.add_argument("--addok", default="http://127.0.0.1:7979")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        raise SystemExit("build first: cargo build --release")
    if not os.path.exists(args.index):
        raise SystemExit(f"no index at {args.index}: run `cargo run --release` once, or "
                         f"`adresse ingest --index {args.index} data/ban`")
    {"speed": speed, "memory": memory, "cli-memory": cli_memory}[args.mode](args)


if __name__ == "__main__":
    main()
