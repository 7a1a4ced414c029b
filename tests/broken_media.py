"""Broken copies of real files, made the way they break in life (a copy cut short, a flipped byte).

``faststart_mp4`` moves an MP4's index (the ``moov`` box) in front of its data, as streaming
encoders and ``ffmpeg -movflags +faststart`` do: a clip cut short after that still opens and
announces all its frames, but the frames at the end are gone — the hardest truncation to notice.
"""

from __future__ import annotations

import struct
from pathlib import Path

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    boxes = []
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        elif size == 0:
            size = end - position
        boxes.append((kind, position, position + size))
        position += size
        del header
    return boxes


def _shift_chunk_offsets(moov: bytearray, shift: int) -> None:
    def walk(start: int, end: int) -> None:
        for kind, box_start, box_end in _boxes(bytes(moov), start, end):
            if kind in _CONTAINERS:
                walk(box_start + 8, box_end)
            elif kind == b"stco":
                count = struct.unpack(">I", moov[box_start + 12 : box_start + 16])[0]
                for index in range(count):
                    at = box_start + 16 + 4 * index
                    moov[at : at + 4] = struct.pack(">I", struct.unpack(">I", moov[at : at + 4])[0] + shift)
            elif kind == b"co64":
                count = struct.unpack(">I", moov[box_start + 12 : box_start + 16])[0]
                for index in range(count):
                    at = box_start + 16 + 8 * index
                    moov[at : at + 8] = struct.pack(">Q", struct.unpack(">Q", moov[at : at + 8])[0] + shift)

    walk(8, len(moov))


def faststart_mp4(source: Path, target: Path) -> Path:
    """Copy ``source`` with its moov box moved before mdat (chunk offsets adjusted)."""
    data = source.read_bytes()
    top = _boxes(data, 0, len(data))
    kinds = [kind for kind, _, _ in top]
    if b"moov" not in kinds or b"mdat" not in kinds or kinds.index(b"moov") < kinds.index(b"mdat"):
        target.write_bytes(data)
        return target
    moov_kind, moov_start, moov_end = top[kinds.index(b"moov")]
    moov = bytearray(data[moov_start:moov_end])
    _shift_chunk_offsets(moov, len(moov))
    out = bytearray()
    for kind, start, end in top:
        if kind == b"moov":
            continue
        if kind == b"mdat":
            out += moov
        out += data[start:end]
    target.write_bytes(bytes(out))
    return target


def cut(source: Path, target: Path, fraction: float) -> Path:
    """The first ``fraction`` of ``source``'s bytes, as a copy interrupted midway leaves it."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target
