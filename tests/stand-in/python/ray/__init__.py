"""Stand-in for the parts of Ray's Python API that the Ray trainers and the bundles' start-up
use: ray.init (a local private cluster, or joining a running one at `address` / RAY_ADDRESS),
ray.nodes, ray.cluster_resources, ray.available_resources, ray.is_initialized, ray.shutdown.

The cluster is the one the stand-in `ray` CLI (tests/stand-in/bin/ray) records in its state
folder; joining fails as Ray's does when no head answers at the address. A private local
cluster has STANDIN_LOCAL_GPUS GPUs (default 8), standing in for the machine's own GPUs.
"""
import os

from ray import _state

_session = None


def init(address=None, **kwargs):
    global _session
    if _session is not None:
        raise RuntimeError("Maybe you called ray.init twice by accident? This error can be suppressed by passing in 'ignore_reinit_error=True'")
    address = address or os.environ.get("RAY_ADDRESS")
    if address in (None, "", "local"):
        gpus = float(kwargs.get("num_gpus") or os.environ.get("STANDIN_LOCAL_GPUS", "8"))
        _session = {"local": True, "nodes": [{"NodeID": "local", "Alive": True, "Resources": {"GPU": gpus, "CPU": 8.0}}]}
    else:
        if address == "auto":
            head = _state.head()
            if head is None:
                raise ConnectionError("Could not find any running Ray instance. Please specify the one to connect to by setting `--address` flag or `RAY_ADDRESS` environment variable.")
        else:
            _state.require_head(address)
        _session = {"local": False}
    return _session


def is_initialized():
    return _session is not None


def shutdown():
    global _session
    _session = None


def nodes():
    if _session is None:
        raise RuntimeError("Ray has not been started yet. You can start Ray with 'ray.init()'.")
    if _session["local"]:
        return list(_session["nodes"])
    return [{"NodeID": str(n["node"]), "Alive": n["alive"], "Resources": {"GPU": float(n["gpus"]), "CPU": 8.0}} for n in _state.nodes()]


def cluster_resources():
    gpus = sum(n["Resources"]["GPU"] for n in nodes() if n["Alive"])
    return {"GPU": gpus, "CPU": 8.0 * len(nodes())}


def available_resources():
    return cluster_resources()
