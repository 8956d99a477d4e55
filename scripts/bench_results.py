"""The machine-readable side of `make bench`: every figure as a flat key in one JSON file.

Each bench script records its figures with `record(key, value)` beside the Markdown it prints. Keys are dotted
(`directory.search1.cpu_ms`); a figure measured against a floor of the same run records the floor and the ratio
too (`record_ratio`). The file is read, merged and replaced on every call, so the sections of one `make bench`
run (each its own process) add to the same file; `scripts/bench.sh` starts it afresh with the run's metadata.
"""
import json
import os
import tempfile

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "bench", "results.json")


def path():
    return os.path.abspath(os.environ.get("BENCH_RESULTS") or DEFAULT_PATH)


def _load(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def record_many(values):
    """Merges {key: value} into the results file (atomically: a crash never leaves half a file)."""
    p = path()
    os.makedirs(os.path.dirname(p), exist_ok=True)
    data = _load(p)
    for k, v in values.items():
        if isinstance(v, float):
            v = round(v, 4)
        data[k] = v
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(p), prefix=".results-")
    with os.fdopen(fd, "w") as f:
        json.dump(dict(sorted(data.items())), f, indent=1)
        f.write("\n")
    os.replace(tmp, p)


def record(key, value):
    record_many({key: value})


def record_ratio(key, value, floor_key, floor, limit=None):
    """`key` beside its floor: writes key, floor_key, key's `.ratio` (value / floor) and, with a limit, `.target_met`."""
    values = {key: value, floor_key: floor}
    if value is not None and floor:
        ratio = value / floor
        values[key.rsplit(".", 1)[0] + ".ratio"] = ratio
        if limit is not None:
            values[key.rsplit(".", 1)[0] + ".target_ratio"] = limit
            values[key.rsplit(".", 1)[0] + ".target_met"] = ratio <= limit
    record_many(values)
