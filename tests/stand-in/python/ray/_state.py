"""The stand-in cluster's state, shared by the `ray` CLI stand-in and the Python stand-in:
a folder (RAY_STANDIN_DIR, else $OUTPUT_DIR/ray-standin) holding head.json, one
nodes/<rank>.json per started node (rank = NODE_RANK, as the bundles' scripts export it) and
calls.jsonl, one line per CLI call."""
import json
import os


def folder():
    root = os.environ.get("RAY_STANDIN_DIR")
    if not root:
        out = os.environ.get("OUTPUT_DIR")
        if not out:
            raise SystemExit("ray (stand-in): set RAY_STANDIN_DIR or OUTPUT_DIR for the cluster state")
        root = os.path.join(out, "ray-standin")
    os.makedirs(os.path.join(root, "nodes"), exist_ok=True)
    return root


def node_rank():
    return os.environ.get("NODE_RANK", "0")


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write(path, value):
    tmp = "%s.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(value, f, sort_keys=True)
    os.replace(tmp, path)


def head():
    """The running head, or None."""
    value = _read(os.path.join(folder(), "head.json"))
    return value if value and value.get("running") else None


def set_head(value):
    _write(os.path.join(folder(), "head.json"), value)


def require_head(address):
    host, _, port = address.rpartition(":")
    current = head()
    if current is None or not port.isdigit() or int(port) != current["port"]:
        raise ConnectionError("Unable to connect to GCS (ray head) at %s. Check that (1) Ray with matching version started successfully at the specified address, (2) this node can reach the specified address" % address)
    return current


def nodes():
    base = os.path.join(folder(), "nodes")
    return [v for v in (_read(os.path.join(base, n)) for n in sorted(os.listdir(base)) if n.endswith(".json")) if v]


def set_node(value):
    _write(os.path.join(folder(), "nodes", "%s.json" % value["node"]), value)


def record_call(call):
    with open(os.path.join(folder(), "calls.jsonl"), "a") as f:
        f.write(json.dumps(call, sort_keys=True) + "\n")
