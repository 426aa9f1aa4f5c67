#!/usr/bin/env python3
"""loadgen.py URL N JOBS: N chat requests from JOBS threads against the
fake API, kept-alive connections where the fake keeps them; prints
{"wall": seconds, "errors": n}.  It shows how fast the fake itself can
serve the load igny8 puts on it."""
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse


def main():
    url, n, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    u = urllib.parse.urlsplit(url)
    body = json.dumps({"model": "gpt-4.1-mini", "messages": [
        {"role": "user", "content": "Plan exactly 1 ideas. Keywords: [\"best topic gear\","
         "\"how to use topic\"] Answer with a JSON object that matches the schema "
         "igny8_ideas."}]}).encode()
    work = queue.Queue()
    for i in range(n):
        work.put(i)
    errors = []

    def worker():
        c = None
        while True:
            try:
                work.get_nowait()
            except queue.Empty:
                return
            if c is None:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            c.request("POST", u.path + "/chat/completions", body,
                      {"Content-Type": "application/json", "Authorization": "Bearer sk-x"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                errors.append(r.status)
            if r.will_close:
                c.close()
                c = None

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps({"wall": time.monotonic() - t0, "errors": len(errors)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
