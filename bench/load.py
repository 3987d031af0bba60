"""The load generator: a process of its own (``python -m bench.load SPEC.json``) that fires
requests from threads, one ``requests.Session`` per thread, and prints its results as JSON on
stdout. ``bench.run`` starts several of them at once and merges what they print.

Modes (``spec["mode"]``):
  duration  GET ``urls`` round-robin for ``seconds``: count, errors, latencies; with
            ``versus`` (other URLs), every client switches between the two sets every ``slice``
            seconds, so both meet the same background load: counts and latencies per set
  list      fire each of ``requests`` once (method, url, token, key, json): per-request outcome;
            with ``rate``, request i leaves no earlier than i / rate seconds after the start
  fam       the store's conditional find_one_and_update ($inc on a counter) for ``seconds``
"""
import json
import os
import sys
import threading
import time


def _session():
    import requests

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1)
    session.mount("http://", adapter)
    return session


def run_duration(spec):
    sets = [spec["urls"]] + ([spec["versus"]] if spec.get("versus") else [])
    seconds, threads, slice_ = spec["seconds"], spec["threads"], spec.get("slice", 1.0)
    lock = threading.Lock()
    latencies, errors = [[] for _ in sets], [0 for _ in sets]
    started = time.monotonic()
    deadline = started + seconds

    def worker(offset):
        session, i = _session(), offset
        mine, bad = [[] for _ in sets], [0 for _ in sets]
        while (now := time.monotonic()) < deadline:
            which = int((now - started) / slice_) % len(sets)
            urls = sets[which]
            url = urls[i % len(urls)]
            i += 1
            began = time.perf_counter()
            try:
                ok = session.get(url, timeout=10).status_code == 200
            except Exception:
                ok = False
            mine[which].append((time.perf_counter() - began) * 1000)
            bad[which] += not ok
        with lock:
            for which in range(len(sets)):
                latencies[which].extend(mine[which])
                errors[which] += bad[which]

    _in_threads(worker, threads)
    elapsed = time.monotonic() - started
    return {"count": len(latencies[0]), "errors": errors[0], "elapsed": elapsed,
            "latencies_ms": latencies[0], "versus": None if len(sets) == 1 else {
                "count": len(latencies[1]), "errors": errors[1], "latencies_ms": latencies[1]}}


def run_list(spec):
    todo, threads, rate = spec["requests"], spec["threads"], spec.get("rate")
    results = [None] * len(todo)
    cursor = iter(range(len(todo)))
    lock = threading.Lock()
    begun = time.monotonic()

    def worker(_):
        session = _session()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            if rate:
                time.sleep(max(0.0, begun + index / rate - time.monotonic()))
            item = todo[index]
            headers = {"Authorization": f"Bearer {item['token']}"}
            if item.get("key"):
                headers["Idempotency-Key"] = item["key"]
            started = time.perf_counter()
            try:
                response = session.request(item.get("method", "POST"), item["url"],
                                           headers=headers, json=item.get("json", {}), timeout=30)
                status = response.status_code
                try:
                    body = response.json()
                except ValueError:
                    body = {}
            except Exception as exc:
                status, body = 0, {"error": {"code": type(exc).__name__}}
            latency = (time.perf_counter() - started) * 1000
            body = body if isinstance(body, dict) else {}
            error = (body.get("error") or {}).get("code")
            results[index] = {"id": item.get("id"), "status": status, "error": error,
                              "latency_ms": latency, "answered_at": time.time(),
                              "answer": {k: body.get(k) for k in spec.get("keep", ())}}

    started = time.monotonic()
    _in_threads(worker, threads)
    return {"elapsed": time.monotonic() - started, "results": results}


def run_fam(spec):
    from pymongo import MongoClient, ReturnDocument

    client = MongoClient(spec["mongo_uri"], maxPoolSize=spec["threads"] + 2)
    counters = client[spec["database"]]["counters"]
    doc_id = spec["doc_id"]
    lock = threading.Lock()
    latencies, misses = [], [0]
    deadline = time.monotonic() + spec["seconds"]

    def worker(_):
        mine, missed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            done = counters.find_one_and_update({"_id": doc_id, "stock": {"$gt": 0}},
                                                {"$inc": {"stock": -1, "issued": 1}},
                                                return_document=ReturnDocument.AFTER)
            mine.append((time.perf_counter() - started) * 1000)
            missed += done is None
        with lock:
            latencies.extend(mine)
            misses[0] += missed

    started = time.monotonic()
    _in_threads(worker, spec["threads"])
    client.close()
    return {"count": len(latencies), "errors": misses[0], "elapsed": time.monotonic() - started,
            "latencies_ms": latencies}


def _in_threads(worker, count):
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


MODES = {"duration": run_duration, "list": run_list, "fam": run_fam}


def main(argv):
    with open(argv[1]) as handle:
        spec = json.load(handle)
    result = MODES[spec["mode"]](spec)
    times = os.times()
    result["cpu_seconds"] = times.user + times.system  # the load's own share of the cores
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
