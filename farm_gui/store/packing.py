"""Compact binary forms of the bulky per-step data.

Agent snapshot blob (codec "raw1"; "lz4", "zstd1" (Arrow framing-free codecs) and "zlib1"
are the same bytes compressed), for n
living agents, little-endian arrays one after another:
    agent_id int64[n], agent_x float64[n], agent_y float64[n], agent_resources float64[n],
    agent_health float64[n], agent_generation int32[n], agent_type int8[n]
Node blobs: amounts float64[n]; positions float64[n] (x) then float64[n] (y).
Metric chunk: float64 array of shape (n_columns, n_steps), row-major.
"""

from __future__ import annotations

import functools
import sys
import zlib

import numpy as np
from numba import njit

AGENT_LAYOUT: tuple[tuple[str, str], ...] = (
    ("agent_id", "<i8"),
    ("agent_x", "<f8"),
    ("agent_y", "<f8"),
    ("agent_resources", "<f8"),
    ("agent_health", "<f8"),
    ("agent_generation", "<i4"),
    ("agent_type", "i1"),
)
AGENT_BYTES = sum(np.dtype(dt).itemsize for _, dt in AGENT_LAYOUT)
# Default codec, chosen with bench/store.py at the 1k preset: zstd1 stores ~25 bytes per
# agent instead of 45 for about the same recording overhead as raw1 (~0.15 us per agent to
# compress, repaid by writing fewer pages); zlib1 is as small but 4x slower to compress.
CODEC = "zstd1"
_ZLIB_LEVEL = 1
# Arrow's zstd costs ~23 us a call whatever the size (it sets up a compression context each
# time), lz4 ~1 us. A default-preset run (~30 agents, 20 nodes) stores a world every 10
# steps: two zstd calls a world took a fifth of its recording time. Blobs smaller than this,
# which zstd would make only a little smaller than lz4 (a 30-agent world: 693 bytes against
# 868; stored as they are, 1,260), are stored with lz4.
SMALL_BLOB_BYTES = 8192


def codec_for(codec: str, n_bytes: int) -> str:
    """The codec to store ``n_bytes`` of raw data with, given the writer's ``codec``."""
    return "lz4" if codec == "zstd1" and n_bytes < SMALL_BLOB_BYTES else codec


def _compress(raw: bytes | np.ndarray, codec: str) -> bytes:
    if codec == "raw1":
        return bytes(raw)
    if codec == "zlib1":
        return zlib.compress(raw, _ZLIB_LEVEL)
    if codec in _ARROW_CODECS:
        return _arrow_codec(codec).compress(raw, asbytes=True)
    raise ValueError(f"unknown snapshot codec {codec!r}")


def _decompress(data: bytes, codec: str, size: int) -> bytes:
    if codec == "raw1":
        return bytes(data)
    if codec == "zlib1":
        return zlib.decompress(data)
    if codec in _ARROW_CODECS:
        return _arrow_codec(codec).decompress(bytes(data), decompressed_size=size, asbytes=True)
    raise ValueError(f"unknown snapshot codec {codec!r}")


# Arrow's LZ4 and Zstandard (pyarrow is a dependency anyway): much faster than zlib.
_ARROW_CODECS = {"lz4": ("lz4", None), "zstd1": ("zstd", 1)}


@functools.cache
def _arrow_codec(codec: str):
    import pyarrow as pa

    name, level = _ARROW_CODECS[codec]
    return pa.Codec(name, compression_level=level) if level is not None else pa.Codec(name)


def pack_agents(snapshot: dict[str, np.ndarray], codec: str = CODEC) -> tuple[int, bytes]:
    """Pack the living agents of a model snapshot. Returns (n_agents, blob)."""
    alive = np.asarray(snapshot["agent_alive"], dtype=bool)
    if sys.byteorder != "little":
        return pack_agents_numpy(snapshot, alive, codec)
    columns = [np.asarray(snapshot[key], dtype=dt) for key, dt in AGENT_LAYOUT]
    raw = _pack_alive_rows(*columns, alive)
    return len(raw) // AGENT_BYTES, _compress(raw, codec)


def pack_agents_numpy(snapshot: dict[str, np.ndarray], alive: np.ndarray, codec: str) -> tuple[int, bytes]:
    """The same blob built with NumPy (any byte order)."""
    n = int(alive.sum())
    parts = [np.ascontiguousarray(np.asarray(snapshot[key])[alive], dtype=dt).tobytes()
             for key, dt in AGENT_LAYOUT]
    return n, _compress(b"".join(parts), codec)


@njit(cache=True, nogil=True)
def _pack_alive_rows(agent_id, x, y, resources, health, generation, agent_type, alive):
    # One GIL-free pass: with NumPy the ~20 small operations of a snapshot each take the
    # GIL back from the simulation thread (~0.2 ms per 1k-agent snapshot, GIL held).
    n = 0
    for k in range(alive.size):
        n += alive[k]
    raw = np.empty(n * AGENT_BYTES, np.uint8)  # the offsets below follow AGENT_LAYOUT
    out_id = raw[0: 8 * n].view(np.int64)
    out_x = raw[8 * n: 16 * n].view(np.float64)
    out_y = raw[16 * n: 24 * n].view(np.float64)
    out_res = raw[24 * n: 32 * n].view(np.float64)
    out_health = raw[32 * n: 40 * n].view(np.float64)
    out_gen = raw[40 * n: 44 * n].view(np.int32)
    out_type = raw[44 * n: 45 * n].view(np.int8)
    j = 0
    for k in range(alive.size):
        if alive[k]:
            out_id[j] = agent_id[k]
            out_x[j] = x[k]
            out_y[j] = y[k]
            out_res[j] = resources[k]
            out_health[j] = health[k]
            out_gen[j] = generation[k]
            out_type[j] = agent_type[k]
            j += 1
    return raw


def unpack_agents(n: int, data: bytes, codec: str) -> dict[str, np.ndarray]:
    raw = _decompress(data, codec, n * AGENT_BYTES)
    if len(raw) != n * AGENT_BYTES:
        raise ValueError(f"agent snapshot holds {len(raw)} bytes, expected {n * AGENT_BYTES}")
    out: dict[str, np.ndarray] = {}
    offset = 0
    for key, dt in AGENT_LAYOUT:
        dtype = np.dtype(dt)
        arr = np.frombuffer(raw, dtype=dtype, count=n, offset=offset)
        out[key] = arr.astype(dtype.newbyteorder("="), copy=True)
        offset += n * dtype.itemsize
    out["agent_alive"] = np.ones(n, dtype=bool)
    return out


def pack_floats(*arrays: np.ndarray, codec: str = CODEC) -> bytes:
    raw = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in arrays)
    return _compress(raw, codec)


def unpack_floats(data: bytes, codec: str, n: int, parts: int = 1) -> list[np.ndarray]:
    raw = _decompress(data, codec, n * parts * 8)
    if len(raw) != n * parts * 8:
        raise ValueError(f"node snapshot holds {len(raw)} bytes, expected {n * parts * 8}")
    flat = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    return [flat[i * n:(i + 1) * n] for i in range(parts)]


def unpack_metric_chunk(data: bytes, n_columns: int, n_steps: int) -> np.ndarray:
    arr = np.frombuffer(bytes(data), dtype="<f8")
    if arr.size != n_columns * n_steps:
        raise ValueError(f"metric chunk holds {arr.size} values, expected {n_columns * n_steps}")
    return arr.reshape(n_columns, n_steps)
