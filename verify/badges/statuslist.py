"""Bitstring Status List v1.0: the bitstring, its encoding, and index assignment.

Bit 0 is the left-most bit of the first byte. The list is GZIP-compressed and written as
multibase base64url without padding ("u" + ...). Indexes are handed out by an affine
permutation of a counter (index = (step * n + offset) mod size with an odd step and a size
that is a power of two), so every index is used once, none is ever reused, and neighbouring
credentials do not sit on neighbouring bits (the herd privacy the specification asks for).
"""

from __future__ import annotations

import base64
import gzip
import secrets
from dataclasses import dataclass

LIST_SIZE = 131_072  # 16 KiB: the specification's minimum for herd privacy
PURPOSES = ("revocation", "suspension")


def encode(bits: bytes) -> str:
    """GZIP then base64url without padding, with the multibase prefix "u"."""
    packed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """Inverse of encode; ValueError when the text is not such an encoding."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must start with the multibase prefix 'u'")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return gzip.decompress(packed)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"encodedList is not GZIP + base64url: {exc}") from exc


def empty(size: int = LIST_SIZE) -> bytes:
    if size % 8:
        raise ValueError("a status list holds a whole number of bytes")
    return bytes(size // 8)


def get_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} is outside the list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytes, index: int, value: bool) -> bytes:
    """A copy of bits with one bit set or cleared."""
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} is outside the list of {len(bits) * 8}")
    out = bytearray(bits)
    mask = 0x80 >> (index % 8)
    out[index // 8] = out[index // 8] | mask if value else out[index // 8] & ~mask
    return bytes(out)


@dataclass(frozen=True)
class Permutation:
    """Counter n -> index (step * n + offset) mod size; a bijection when step is odd."""

    step: int
    offset: int
    size: int = LIST_SIZE

    def __post_init__(self) -> None:
        if self.size & (self.size - 1) or self.size <= 0:
            raise ValueError("the list size must be a power of two")
        if self.step % 2 == 0:
            raise ValueError("the step must be odd to reach every index once")

    def index(self, counter: int) -> int:
        if not 0 <= counter < self.size:
            raise ValueError("this list is full")
        return (self.step * counter + self.offset) % self.size


def new_permutation(size: int = LIST_SIZE) -> Permutation:
    """A random odd step and offset for a new list."""
    return Permutation(secrets.randbelow(size // 2) * 2 + 1, secrets.randbelow(size), size)
