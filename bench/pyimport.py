#!/usr/bin/env python3
"""pyimport.py FILE DB: the baseline for `igny8 import`: the same JSON-lines
keywords into a keywords table with Python's json and sqlite3, one
transaction, normalised keyword as the unique key."""
import json
import os
import sqlite3
import sys


def main():
    src, dbpath = sys.argv[1], sys.argv[2]
    if os.path.exists(dbpath):
        os.remove(dbpath)
    db = sqlite3.connect(dbpath)
    db.execute("CREATE TABLE keywords (id INTEGER PRIMARY KEY, keyword TEXT NOT NULL,"
               " norm TEXT NOT NULL UNIQUE, volume INTEGER, difficulty REAL)")

    def rows():
        with open(src, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                kw = " ".join(d["keyword"].split())
                yield kw, kw.lower(), d.get("volume"), d.get("difficulty")
    db.executemany("INSERT INTO keywords (keyword, norm, volume, difficulty) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT(norm) DO UPDATE SET volume = excluded.volume", rows())
    db.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
