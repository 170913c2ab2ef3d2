#!/usr/bin/env python3
"""Runs the benchmark suite of BENCHMARKS.md: the same shapes against limit_server (the
no-database ceiling) and chat-server on SQLite, PostgreSQL, and two PostgreSQL instances
through Redis, in one session, and prints every figure as a ratio to limit_server.

    scripts/bench.sh [--quick] [--only sqlite,postgres,...] [--skip-connections] [--shapes fanout,...]
    scripts/bench.sh --search [--messages 1000000] [--only sqlite,postgres]
    scripts/bench.sh --chats [--only sqlite,postgres]

Results: target/bench/results.jsonl (one JSON report per run) and target/bench/table.md.
Needs the release binaries (bench.sh builds them), PostgreSQL and Redis on loopback.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# CHAT_SERVER / CHAT_BENCH: other builds (e.g. a before/after pair run alternately in one session).
SERVER = os.environ.get("CHAT_SERVER", os.path.join(ROOT, "target/release/chat-server"))
BENCH = os.environ.get("CHAT_BENCH", os.path.join(ROOT, "target/release/chat-bench"))
LIMIT = os.environ.get("LIMIT_SERVER", "/tmp/chat-limit-server/target/release/limit_server")
OUT = os.path.join(ROOT, "target/bench")
SECRET = "bench-secret-that-is-long-enough-0123456789"


def wait_port(port, timeout=20):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


class Deployment:
    def __init__(self, name, procs, urls, cleanup=None):
        self.name, self.procs, self.urls, self.cleanup = name, procs, urls, cleanup

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.cleanup:
            self.cleanup()

    @property
    def pid(self):
        return self.procs[0].pid


def start_limit():
    p = subprocess.Popen([LIMIT, "127.0.0.1:18090"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(18090)
    return Deployment("limit_server", [p], ["http://127.0.0.1:18090"])


def start_chat(name, database_url=None, redis=False, instances=1, extra_env=None):
    data = tempfile.mkdtemp(prefix="chat-bench-")
    # Load generation is not abuse: every limit is off (the server ignores settings it predates).
    env = dict(os.environ, MESSAGE_RATE_LIMIT="0", ACCESS_TOKEN_TTL_SECS="86400", RUST_LOG="warn",
               JWT_SECRET=SECRET, DATA_DIR=data, STATIC_DIR=os.path.join(data, "none"), AUTH_RATE_LIMIT="0",
               COMMAND_RATE_LIMIT="0", REST_WRITE_RATE_LIMIT="0", REFRESH_RATE_LIMIT="0", SEARCH_RATE_LIMIT="0",
               MAX_SOCKETS_PER_USER="1000000")
    env.update(extra_env or {})
    env["DATABASE_URL"] = database_url or f"sqlite://{data}/chat.db"
    if redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/"
        env["REDIS_PREFIX"] = f"bench{uuid.uuid4().hex[:8]}"
    procs, urls = [], []
    for i in range(instances):
        port = 18081 + i
        e = dict(env, BIND_ADDR=f"127.0.0.1:{port}")
        procs.append(subprocess.Popen([SERVER], env=e, stdout=subprocess.DEVNULL))
        wait_port(port)
        urls.append(f"http://127.0.0.1:{port}")
    dep = Deployment(name, procs, urls, lambda: shutil.rmtree(data, ignore_errors=True))
    dep.database_url = env["DATABASE_URL"]
    return dep


def pg_database():
    name = f"chat_bench_{uuid.uuid4().hex[:10]}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    drop = lambda: subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                                   f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
    return f"postgres://postgres@127.0.0.1:5432/{name}", drop


def bench(dep, label, args, results):
    users = os.path.join(OUT, f"users-{dep.name}.json")
    cmd = [BENCH, "--server", dep.urls[0], "--json", "--label", label, "--users-file", users]
    for extra in dep.urls[1:]:
        cmd += ["--also-server", extra]
    if args[0] == "connections":
        args = args + ["--server-pid", str(dep.pid)]
    print(f"[{dep.name}] {label}: chat-bench {' '.join(args)}", flush=True)
    run = subprocess.run(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "{}"
    report = json.loads(line)
    report.update(deployment=dep.name, shape=label, exit=run.returncode, command="chat-bench " + " ".join(args))
    results.append(report)
    with open(os.path.join(OUT, "results.jsonl"), "a") as f:
        f.write(json.dumps(report) + "\n")
    lat = report.get("latency_ms") or {}
    print(f"    -> {report.get('per_second', 0):,.0f}/s p50 {lat.get('p50', '-')} p99 {lat.get('p99', '-')} "
          f"lost {report.get('lost')} dup {report.get('duplicated')} ooo {report.get('out_of_order')} "
          f"{json.dumps(report.get('extra') or {})}", flush=True)
    return report


def shapes(quick):
    n = 600 if quick else 3000
    return [
        ("fanout 10x10 w8", ["fanout", "--rooms", "10", "--members", "10", "--window", "8", "--messages", str(n), "--duration", "20"]),
        ("fanout 1x200 w16", ["fanout", "--rooms", "1", "--members", "200", "--window", "16", "--messages", str(n), "--duration", "20"]),
        ("fanout 100x2 w1", ["fanout", "--rooms", "100", "--members", "2", "--window", "1", "--messages", str(n // 3), "--duration", "20"]),
        ("history 10 clients", ["history", "--clients", "10", "--requests", str(n), "--limit", "50", "--duration", "20"]),
    ]


# The search index's cost on the write path: the same fan-out with the index and without it.
WRITE_SHAPE = ["fanout", "--rooms", "10", "--members", "10", "--window", "8", "--messages", "3000", "--duration", "20"]
DROP_INDEX = {
    # The indexer thread then fails (logged every 10 s) and indexes nothing.
    "sqlite": "DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts; "
              "DROP TABLE messages_fts_progress;",
    "postgres": "DROP INDEX messages_content_trgm;",
}


def drop_search_index(key, url):
    if key == "postgres":
        subprocess.run(["psql", "-q", url, "-c", DROP_INDEX[key]], check=True)
    else:
        subprocess.run(["sqlite3", url.removeprefix("sqlite://"), DROP_INDEX[key]], check=True)


def fresh(key):
    url, drop = pg_database() if key == "postgres" else (None, lambda: None)
    return _with(start_chat(key, url), drop)


def search_suite(a):
    """Search latency over a seeded history, and the index's cost on the message write path:
    the same fan-out on fresh databases with and without the index, alternating, twice."""
    results = []
    # Fresh databases: users cached by an earlier run would not exist in them.
    for name in os.listdir(OUT):
        if name.startswith("users-"):
            os.remove(os.path.join(OUT, name))
    dep = start_limit()
    try:
        bench(dep, "fanout 10x10 w8", WRITE_SHAPE, results)
    finally:
        dep.stop()
    keys = [k for k in a.only.split(",") if k in DROP_INDEX]
    for key in keys:
        for _ in range(2):
            for indexed in (True, False):
                dep = fresh(key)
                try:
                    if not indexed:
                        drop_search_index(key, dep.database_url)
                    label = "fanout 10x10 w8" + ("" if indexed else ", no search index")
                    bench(dep, label, WRITE_SHAPE, results)
                finally:
                    dep.stop()
                for name in os.listdir(OUT):
                    if name.startswith("users-"):
                        os.remove(os.path.join(OUT, name))
        dep = fresh(key)
        try:
            bench(dep, f"search {a.messages} messages", ["search", "--messages", str(a.messages),
                  "--seed", dep.database_url, "--queries", "100"], results)
        finally:
            dep.stop()
    table(results)
    for r in results:
        for name, c in ((r.get("extra") or {}).get("classes") or {}).items():
            lat = c.get("latency_ms") or {}
            print(f"{r['deployment']:10} {name:18} {c['needle']:10} results {c['results']:3}  "
                  f"p50 {lat.get('p50')} ms  p99 {lat.get('p99')} ms")


def chats_suite(a):
    """The chat list of a user in 1,000 chats, and adding members to a 1,000-member group
    (issue 15), on a fresh database per deployment."""
    results = []
    for key in [k for k in a.only.split(",") if k in ("sqlite", "postgres")]:
        for name in os.listdir(OUT):
            if name.startswith("users-"):
                os.remove(os.path.join(OUT, name))
        url, drop = pg_database() if key == "postgres" else (None, lambda: None)
        # Room for the adds beyond the 1,000 members the group starts with.
        dep = _with(start_chat(key, url, extra_env={"MAX_GROUP_MEMBERS": "2000"}), drop)
        try:
            bench(dep, "chats 1000, group 1000", ["chats", "--chats", "1000", "--members", "1000"], results)
        finally:
            dep.stop()
    for r in results:
        x = r.get("extra") or {}
        def fmt(p):
            return f"p50 {p.get('p50')} ms p99 {p.get('p99')} ms" if p else "-"
        print(f"{r['deployment']:10} GET /api/chats ({x.get('list_all_len')}) {fmt(x.get('list_all_ms'))}; "
              f"first page ({x.get('list_first_page_len')}) {fmt(x.get('list_first_page_ms'))}; "
              f"add member {fmt(x.get('add_member_ms'))}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="limit,sqlite,postgres,redis2")
    ap.add_argument("--connections", default="10000,19000")
    ap.add_argument("--skip-connections", action="store_true")
    ap.add_argument("--shapes", default="", help="only shapes whose label starts with one of these (comma-separated)")
    ap.add_argument("--search", action="store_true", help="the search suite (BENCHMARKS.md, Search)")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--chats", action="store_true", help="the chat-list suite (BENCHMARKS.md, Chat list)")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if a.chats:
        return chats_suite(a)
    if a.search:
        return search_suite(a)
    results = []
    # Every deployment starts on a fresh database: users cached by an earlier run would not
    # exist there (their tokens still verify, so chat-bench would not notice).
    for name in os.listdir(OUT):
        if name.startswith("users-"):
            os.remove(os.path.join(OUT, name))
    only = a.only.split(",")
    starters = {
        "limit": start_limit,
        "sqlite": lambda: start_chat("sqlite"),
        "postgres": lambda: (lambda url, drop: _with(start_chat("postgres", url), drop))(*pg_database()),
        "redis2": lambda: (lambda url, drop: _with(start_chat("postgres+redis x2", url, redis=True, instances=2), drop))(*pg_database()),
    }
    for key in only:
        dep = starters[key]()
        try:
            maxrate = None
            wanted = [p for p in a.shapes.split(",") if p]
            for label, args in shapes(a.quick):
                if wanted and not any(label.startswith(p) for p in wanted):
                    continue
                r = bench(dep, label, args, results)
                if label.startswith("fanout 10x10") and r.get("duration_s"):
                    maxrate = r["sent"] / r["duration_s"]
            if maxrate and (not wanted or any("fanout 10x10 open loop".startswith(p) for p in wanted)):
                half = f"{maxrate / 2:.0f}"
                bench(dep, "fanout 10x10 open loop at half max", ["fanout", "--rooms", "10", "--members", "10",
                      "--rate", half, "--messages", "100000", "--duration", "10"], results)
            if not a.skip_connections and key in ("limit", "sqlite", "postgres"):
                for c in a.connections.split(","):
                    bench(dep, f"connections {c}", ["connections", "--count", c, "--users", "100",
                          "--sources", "4", "--hold", "3"], results)
        finally:
            dep.stop()
    table(results)


def _with(dep, cleanup):
    prev = dep.cleanup
    dep.cleanup = lambda: (prev and prev(), cleanup())
    return dep


def table(results):
    base = {r["shape"]: r for r in results if r["deployment"] == "limit_server"}
    lines = ["| deployment | shape | rate /s | ratio to limit_server | p50 ms | p99 ms | lost/dup/ooo | notes |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for r in results:
        b = base.get(r["shape"])
        ratio = f"{r['per_second'] / b['per_second']:.2f}" if b and b.get("per_second") else "-"
        lat = r.get("latency_ms") or {}
        extra = r.get("extra") or {}
        note = ""
        if "server_kib_per_socket" in extra:
            kib = extra.get("server_kib_per_socket")
            note = f"{extra.get('connected')} open, {extra.get('failed')} failed, " + (f"{kib:.1f} KiB/socket" if kib else "")
        lines.append(f"| {r['deployment']} | {r['shape']} | {r.get('per_second', 0):,.0f} | {ratio} | "
                     f"{lat.get('p50', '-')} | {lat.get('p99', '-')} | {r.get('lost')}/{r.get('duplicated')}/{r.get('out_of_order')} | {note} |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "table.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
