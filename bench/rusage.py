#!/usr/bin/env python3
"""rusage.py OUT CMD...: run CMD (stdin/stdout/stderr passed through) and
append one JSON line to OUT with its own user and system CPU seconds, wall
seconds and peak RSS (children of CMD excluded: it is execed directly).
Exits with CMD's status."""
import json
import os
import sys
import time


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    with open(out, "a") as f:
        f.write(json.dumps({"cmd": os.path.basename(cmd[0]), "user": ru.ru_utime,
                            "sys": ru.ru_stime, "wall": wall,
                            "maxrss_kb": ru.ru_maxrss}) + "\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
