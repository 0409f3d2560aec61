"""The checkpoint blob: an engine's state (a flat dict of NumPy arrays and scalars) in a
versioned, self-checking binary form.

Layout (little-endian):

    b"FGCK"                     magic
    uint32  format version      (FORMAT_VERSION; a newer one is refused, never misread)
    uint32  header length H
    uint64  body length B       (uncompressed)
    uint32  CRC-32 of the header and the compressed body
    H bytes header, UTF-8 JSON: {"codec": ..., "scalars": {name: value},
                                 "arrays": [[name, dtype, shape, offset], ...]}
    the body: every array's bytes one after another (C order, little-endian),
              compressed with the codec (zstd1 by default)

The engine's own name and state version are ordinary scalars ("engine",
"state_version"); the engine checks them when it restores.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from .packing import _compress, _decompress

MAGIC = b"FGCK"
FORMAT_VERSION = 1
CODEC = "zstd1"
_PREFIX = struct.Struct("<4sIIQI")


class CheckpointFormatError(ValueError):
    """A checkpoint blob that cannot be read (damaged, or of a newer format)."""


def encode_state(state: Mapping[str, Any], codec: str = CODEC) -> bytes:
    scalars: dict[str, Any] = {}
    arrays: list[list[Any]] = []
    chunks: list[np.ndarray] = []
    offset = 0
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            arr = np.ascontiguousarray(value)
            dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
            arr = arr.astype(dtype, copy=False)
            arrays.append([name, dtype.str, list(arr.shape), offset])
            chunks.append(arr.reshape(-1).view(np.uint8))
            offset += arr.nbytes
        elif isinstance(value, np.generic):
            scalars[name] = value.item()
        elif isinstance(value, bool | int | float | str) or value is None:
            scalars[name] = value
        else:
            raise TypeError(f"checkpoint state {name!r}: cannot store a {type(value).__name__}")
    body = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8)
    packed = _compress(body, codec)
    header = json.dumps({"codec": codec, "scalars": scalars, "arrays": arrays},
                        separators=(",", ":")).encode()
    crc = zlib.crc32(packed, zlib.crc32(header))
    return _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), int(body.nbytes), crc) + header + packed


def blob_version(blob: bytes) -> int:
    """The format version written in a blob (CheckpointFormatError if it is not one)."""
    if len(blob) < _PREFIX.size or bytes(blob[:4]) != MAGIC:
        raise CheckpointFormatError("it is not a Farm GUI checkpoint (damaged)")
    return int(_PREFIX.unpack_from(blob)[1])


def decode_state(blob: bytes) -> dict[str, Any]:
    version = blob_version(blob)
    if version > FORMAT_VERSION:
        raise CheckpointFormatError(f"it has format version {version}, newer than this Farm GUI reads "
                                    f"({FORMAT_VERSION}); update Farm GUI to use it")
    _magic, _v, header_len, body_len, crc = _PREFIX.unpack_from(blob)
    start = _PREFIX.size
    header = bytes(blob[start:start + header_len])
    packed = bytes(blob[start + header_len:])
    if len(header) != header_len or zlib.crc32(packed, zlib.crc32(header)) != crc:
        raise CheckpointFormatError("its checksum does not match (the checkpoint is damaged)")
    try:
        meta = json.loads(header)
        body = np.frombuffer(_decompress(packed, meta["codec"], body_len), dtype=np.uint8)
        if body.nbytes != body_len:
            raise ValueError("body length")
        state: dict[str, Any] = dict(meta["scalars"])
        for name, dtype, shape, offset in meta["arrays"]:
            dt = np.dtype(dtype)
            count = int(np.prod(shape, dtype=np.int64))
            arr = body[offset: offset + count * dt.itemsize].view(dt).reshape(shape)
            state[name] = arr.astype(dt.newbyteorder("="), copy=True)
    except (ValueError, KeyError, TypeError, OSError) as err:
        raise CheckpointFormatError(f"it cannot be decoded ({err}; the checkpoint is damaged)") from None
    return state
