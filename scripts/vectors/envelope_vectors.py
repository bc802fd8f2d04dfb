#!/usr/bin/env python3
"""Independent reference for the OpenKCM envelope format (docs/envelope-format.md).

Written from the spec, not from the Swift code, with the `cryptography`
package's AESGCM. Prints the vectors section of docs/envelope-format.md;
Tests/OpenKCMCoreTests/EnvelopeVectorTests.swift checks the Swift codec
against that section in both directions.
"""
import json
import struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

LAYERS = {"MasterKey": 0x01, "MasterKey share": 0x02, "barrier record": 0x0B,
          "L2": 0x20, "L2.1": 0x21, "L3": 0x30, "L4": 0x40, "L4 subject": 0x41}

SUBJECT_LABEL = b"openkcm subject L4 v1"


def u16(n):
    return struct.pack(">H", n)


def header(layer, key_id, version):
    return b"OK" + bytes([1, 1, LAYERS[layer]]) + key_id + struct.pack(">I", version)


def subject_key(l3_key, secret, tenant, service, subject):
    # HKDF-SHA256(IKM = the L3 version key, salt = the subject secret,
    #             info = label || u16 len || tenant || u16 len || service || u16 len || subject)
    info = SUBJECT_LABEL
    for part in (tenant, service, subject):
        info += u16(len(part.encode())) + part.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=secret, info=info).derive(l3_key)


def aad(hdr, tenant, service, context, subject=None):
    out = hdr + u16(len(tenant.encode())) + tenant.encode() + u16(len(service.encode())) + service.encode()
    pairs = sorted(context.items(), key=lambda kv: kv[0].encode())
    out += u16(len(pairs))
    for k, v in pairs:
        out += u16(len(k.encode())) + k.encode() + u16(len(v.encode())) + v.encode()
    if subject is not None:
        out += u16(len(subject.encode())) + subject.encode()
    return out


VECTORS = [
    dict(title="L4 data key under an L3, no caller context", layer="L4", version=1,
         tenant="acme", service="payments", context={}),
    dict(title="L4 data key with a caller context (pairs given unsorted)", layer="L4", version=7,
         tenant="acme", service="payments", context={"table": "orders", "record": "42"}),
    dict(title="L3 service key under L2.1 version 3", layer="L3", version=3,
         tenant="acme", service="payments", context={"key-version": "2"}),
    dict(title="L2.1 tenant key version 4 under the L2", layer="L2.1", version=1,
         tenant="acme", service="", context={"key-version": "4"}),
    dict(title="L2 tenant root under a software L1", layer="L2", version=1,
         tenant="globex", service="", context={}),
    dict(title="Barrier record (not a key)", layer="barrier record", version=1,
         tenant="", service="", context={"path": "tenants/acme"},
         plaintext=b'{"tenant":"acme"}'),
    dict(title="L4 with UTF-8 context keys and the largest key version", layer="L4", version=0xFFFFFFFF,
         tenant="initech", service="audit-log", context={"r\u00e9gion": "\u00cele-de-France", "Zone": "eu-1"}),
    dict(title="MasterKey share under a shard keystore", layer="MasterKey share", version=2,
         tenant="", service="", context={"openkcm:purpose": "MasterKey share"}),
    dict(title="Barrier record at record version 7, as stored", layer="barrier record", version=1,
         tenant="", service="", context={"path": "tenants/acme", "record-version": "7"},
         plaintext=b'{"tenant":"acme"}', record_version=7),
    dict(title="L4 bound to a subject (layer 0x41)", layer="L4 subject", version=3,
         tenant="acme", service="payments", context={"table": "orders"}, subject="user:Zo\u00eb-42"),
]


def main():
    for n, v in enumerate(VECTORS, start=1):
        key = bytes((n * 17 + i) & 0xFF for i in range(32))
        subject = v.get("subject")
        if subject is not None:
            l3_key = key
            secret = bytes((n * 23 + i * 7) & 0xFF for i in range(32))
            key = subject_key(l3_key, secret, v["tenant"], v["service"], subject)
        nonce = bytes((n * 29 + i * 3) & 0xFF for i in range(12))
        key_id = bytes((n * 7 + i * 11) & 0xFF for i in range(16))
        plaintext = v.get("plaintext", bytes((n * 13 + i * 5) & 0xFF for i in range(32)))
        hdr = header(v["layer"], key_id, v["version"])
        a = aad(hdr, v["tenant"], v["service"], v["context"], subject)
        sealed = AESGCM(key).encrypt(nonce, plaintext, a)
        blob = hdr + nonce + sealed
        print(f"### Vector {n}: {v['title']}\n")
        print("```")
        if subject is not None:
            print(f"l3-key: {l3_key.hex()}")
            print(f"subject-secret: {secret.hex()}")
            print(f"subject: {subject}")
        print(f"wrapping-key: {key.hex()}")
        print(f"layer: {v['layer']}")
        print(f"key-id: {key_id.hex()}")
        print(f"key-version: {v['version']}")
        print(f"tenant: {v['tenant']}")
        print(f"service: {v['service']}")
        print(f"context: {json.dumps(v['context'], ensure_ascii=False, sort_keys=True)}")
        print(f"nonce: {nonce.hex()}")
        print(f"plaintext: {plaintext.hex()}")
        print(f"aad: {a.hex()}")
        print(f"blob: {blob.hex()}")
        if "record_version" in v:
            # What the barrier stores: the record version, readable without the key, then the envelope.
            print(f"stored: {(struct.pack('>Q', v['record_version']) + blob).hex()}")
        print("```\n")


if __name__ == "__main__":
    main()
