"""Encryption at rest for personal data (AES-GCM) and a keyed blind index (HMAC-SHA256).

Ciphertext layout: 1 version byte, 12-byte nonce, AES-GCM ciphertext with tag. The blind
index lets an exact value be found (`Person.objects.filter(id_number_index=blind_index(v))`)
without the database ever holding the value.
"""

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"


def encrypt(plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(settings.DATA_KEY).encrypt(nonce, plaintext.encode(), None)


def decrypt(token: bytes) -> str:
    token = bytes(token)
    if token[:1] != _VERSION:
        raise ValueError("Unknown ciphertext version.")
    return AESGCM(settings.DATA_KEY).decrypt(token[1:13], token[13:], None).decode()


def blind_index(value: str) -> str:
    return hmac.new(settings.INDEX_KEY, value.encode(), hashlib.sha256).hexdigest()
