#!/usr/bin/env python3
"""Independent reference for the SDK's records and streams (docs/record-format.md).

Written from the spec, not from the Swift code, with the `cryptography`
package (AESGCM, HKDF). Prints the vectors section of docs/record-format.md;
Tests/OpenKCMClientTests/RecordVectorTests.swift checks the Swift SDK against
that section in both directions.
"""
import hashlib
import json
import struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def u16(n):
    return struct.pack(">H", n)


def context_bytes(context):
    pairs = sorted(context.items(), key=lambda kv: kv[0].encode())
    out = u16(len(pairs))
    for k, v in pairs:
        out += u16(len(k.encode())) + k.encode() + u16(len(v.encode())) + v.encode()
    return out


def header(kind, wrapped):
    return b"OR" + bytes([1, kind]) + u16(len(wrapped)) + wrapped


def pattern(n, step):
    return bytes((i * step + 1) % 256 for i in range(n))


def record(key, wrapped, nonce, context, plaintext):
    hdr = header(1, wrapped)
    return hdr + nonce + AESGCM(key).encrypt(nonce, plaintext, hdr + context_bytes(context))


def stream(key, wrapped, salt, chunk_size, context, plaintext):
    hdr = header(2, wrapped) + struct.pack(">I", chunk_size) + salt
    info = b"OpenKCM stream v1" + hashlib.sha256(hdr + context_bytes(context)).digest()
    stream_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)
    chunks = [plaintext[i:i + chunk_size] for i in range(0, len(plaintext), chunk_size)] or [b""]
    out = hdr
    for index, chunk in enumerate(chunks):
        final = 1 if index == len(chunks) - 1 else 0
        nonce = bytes(7) + struct.pack(">I", index) + bytes([final])
        out += AESGCM(stream_key).encrypt(nonce, chunk, b"")
    return hdr, out


KEY = bytes(range(0x40, 0x60))
WRAPPED = b"OK" + bytes([1, 1, 0x40]) + pattern(80, 7)   # stands in for the core's 85-byte L4 envelope

print("### Vector R1: a record, no context\n")
nonce = pattern(12, 3)
plaintext = b"hello, records"
print("```")
print("data-key: " + KEY.hex())
print("wrapped-key: " + WRAPPED.hex())
print("context: {}")
print("nonce: " + nonce.hex())
print("plaintext: " + plaintext.hex())
print("record: " + record(KEY, WRAPPED, nonce, {}, plaintext).hex())
print("```\n")

print("### Vector R2: a record with a context (pairs given unsorted)\n")
context = {"table": "cards", "customer": "42"}
nonce = pattern(12, 5)
plaintext = b"4242 4242 4242 4242"
print("```")
print("data-key: " + KEY.hex())
print("wrapped-key: " + WRAPPED.hex())
print("context: " + json.dumps(context))
print("nonce: " + nonce.hex())
print("plaintext: " + plaintext.hex())
print("record: " + record(KEY, WRAPPED, nonce, context, plaintext).hex())
print("```\n")

for title, size in (("S1: a stream of 2,500 bytes in 1,024-byte chunks", 2500), ("S2: an empty stream", 0)):
    context = {"file": "ledger"}
    salt = pattern(16, 11)
    plaintext = pattern(size, 13)
    hdr, out = stream(KEY, WRAPPED, salt, 1024, context, plaintext)
    print("### Vector %s\n" % title)
    print("```")
    print("data-key: " + KEY.hex())
    print("wrapped-key: " + WRAPPED.hex())
    print("context: " + json.dumps(context))
    print("salt: " + salt.hex())
    print("chunk-size: 1024")
    print("plaintext: %d bytes, byte i = (13 i + 1) mod 256" % size)
    print("header: " + hdr.hex())
    print("stream-length: %d" % len(out))
    print("stream-sha256: " + hashlib.sha256(out).hexdigest())
    print("```")
    if size:
        print()
