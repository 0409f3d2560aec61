"""One blob for a dict of NumPy arrays: how a model-generic run stores a world layer
(all arrays of one layer in one ``layer_snapshots`` row; see packing.py for the
foraging ecology's fixed layouts).

Blob layout (little-endian):

    b"FGA1"                    magic
    uint32  header length H
    H bytes header, UTF-8 JSON: {"size": body bytes uncompressed,
                                 "arrays": [[name, dtype, shape], ...]}
    the body, compressed with the row's codec: every array's bytes one after another
    (C order, little-endian, in the header's order)
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping

import numpy as np

from .packing import CODEC, _compress, _decompress

MAGIC = b"FGA1"
_PREFIX = struct.Struct("<4sI")
_KINDS = "biuf"  # booleans, integers, floats: what a layer's fields may hold


def _little(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and not np.little_endian):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr


def pack_arrays(arrays: Mapping[str, np.ndarray], codec: str = CODEC) -> bytes:
    """Pack named numeric arrays (any shapes) into one blob."""
    parts: list[np.ndarray] = []
    meta: list[list] = []
    size = 0
    for name, value in arrays.items():
        arr = _little(np.asarray(value))
        if arr.dtype.kind not in _KINDS:
            raise ValueError(f"array {name!r} has dtype {arr.dtype}, not a number type")
        meta.append([str(name), arr.dtype.str, list(arr.shape)])
        parts.append(arr)
        size += arr.nbytes
    header = json.dumps({"size": size, "arrays": meta}, separators=(",", ":")).encode()
    body = b"".join(memoryview(a).cast("B") for a in parts) if parts else b""
    return _PREFIX.pack(MAGIC, len(header)) + header + _compress(body, codec)


def unpack_arrays(data: bytes, codec: str) -> dict[str, np.ndarray]:
    """The arrays of a blob made by pack_arrays (writable copies, native byte order).
    Raises ValueError for a damaged blob."""
    data = bytes(data)
    if len(data) < _PREFIX.size:
        raise ValueError("the layer blob is truncated")
    magic, hlen = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("the layer blob has an unknown format")
    try:
        header = json.loads(data[_PREFIX.size:_PREFIX.size + hlen])
        size = int(header["size"])
        meta = header["arrays"]
    except (ValueError, KeyError, TypeError):
        raise ValueError("the layer blob's header is damaged") from None
    raw = _decompress(data[_PREFIX.size + hlen:], codec, size)
    if len(raw) != size:
        raise ValueError(f"the layer blob holds {len(raw)} bytes, expected {size}")
    out: dict[str, np.ndarray] = {}
    offset = 0
    for name, dtype_str, shape in meta:
        dtype = np.dtype(dtype_str)
        count = int(np.prod(shape, dtype=np.int64))
        arr = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
        out[name] = arr.astype(dtype.newbyteorder("="), copy=True)
        offset += count * dtype.itemsize
    if offset != size:
        raise ValueError("the layer blob's arrays do not fill it")
    return out


def layer_size(arrays: Mapping[str, np.ndarray]) -> int:
    """Points of a point layer (entries of x), cells of a raster (values.size)."""
    if "x" in arrays:
        return int(np.asarray(arrays["x"]).shape[0])
    if "values" in arrays:
        return int(np.asarray(arrays["values"]).size)
    return 0
