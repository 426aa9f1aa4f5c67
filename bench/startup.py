#!/usr/bin/env python3
"""startup.py RUNS CMD...: start CMD RUNS times (stdout to /dev/null) and
print one JSON object: mean and min wall milliseconds per run."""
import json
import os
import sys
import time


def main():
    runs, cmd = int(sys.argv[1]), sys.argv[2:]
    null = os.open(os.devnull, os.O_WRONLY)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, dict(os.environ),
                              file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
        _, st = os.waitpid(pid, 0)
        times.append(time.perf_counter() - t0)
        if os.waitstatus_to_exitcode(st) != 0:
            print("startup.py: %s failed" % cmd[0], file=sys.stderr)
            return 1
    print(json.dumps({"mean_ms": 1000 * sum(times) / runs, "min_ms": 1000 * min(times),
                      "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
