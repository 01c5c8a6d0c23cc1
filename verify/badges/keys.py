"""Ed25519 keys as Multikey: base58btc multibase text, key ids, signing and checking.

Pure: plain bytes and text in, plain bytes and text out. A public key is written as
`publicKeyMultibase` ("z" + base58btc of 0xed01 + 32 bytes) and a private key as
`secretKeyMultibase` ("z" + base58btc of 0x8026 + 32-byte seed), as the W3C Controlled
Identifiers document and Digital Bazaar's ed25519-multikey library do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def b58encode(data: bytes) -> str:
    """Bitcoin's base58 (the alphabet multibase calls base58btc)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(BASE58_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + body


def multibase_b58(data: bytes) -> str:
    return "z" + b58encode(data)


def from_multibase_b58(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("expected base58btc multibase text (starting with 'z')")
    return b58decode(text[1:])


def public_key_multibase(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_b58(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    data = from_multibase_b58(text)
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise ValueError("not an Ed25519 public key in Multikey form")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def secret_key_multibase(private: Ed25519PrivateKey) -> str:
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return multibase_b58(ED25519_PRIV_PREFIX + raw)


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """A private key from PEM (PKCS#8) or Multikey secretKeyMultibase text."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key
    data = from_multibase_b58(text)
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) != 34:
        raise ValueError("not an Ed25519 secret key in Multikey form")
    return Ed25519PrivateKey.from_private_bytes(data[2:])


def private_key_pem(private: Ed25519PrivateKey) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def key_fragment(public_multibase: str) -> str:
    """A short stable name for a public key, used after '#' in its verification method id."""
    return "key-" + hashlib.sha256(public_multibase.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class SigningKey:
    """A board's Ed25519 key pair and the verification method that names its public half."""

    private: Ed25519PrivateKey
    verification_method: str  # did:web:...#key-...

    @property
    def public_multibase(self) -> str:
        return public_key_multibase(self.private.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def check_signature(public_multibase: str, signature: bytes, message: bytes) -> bool:
    """Whether signature is an Ed25519 signature of message by that public key."""
    try:
        public_key_from_multibase(public_multibase).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
