#!/usr/bin/env python3
"""Independent reference for the OpenKCM envelope format (docs/envelope-format.md).

Written from the spec, not from the Swift code, with the `cryptography`
package's AESGCM. Prints the vectors section of docs/envelope-format.md;
Tests/OpenKCMCoreTests/EnvelopeVectorTests.swift checks the Swift codec
against that section in both directions.
"""
import json
import struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LAYERS = {"MasterKey": 0x01, "MasterKey share": 0x02, "barrier record": 0x0B,
          "L2": 0x20, "L2.1": 0x21, "L3": 0x30, "L4": 0x40}


def u16(n):
    return struct.pack(">H", n)


def header(layer, key_id, version):
    return b"OK" + bytes([1, 1, LAYERS[layer]]) + key_id + struct.pack(">I", version)


def aad(hdr, tenant, service, context):
    out = hdr + u16(len(tenant.encode())) + tenant.encode() + u16(len(service.encode())) + service.encode()
    pairs = sorted(context.items(), key=lambda kv: kv[0].encode())
    out += u16(len(pairs))
    for k, v in pairs:
        out += u16(len(k.encode())) + k.encode() + u16(len(v.encode())) + v.encode()
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
]


def main():
    for n, v in enumerate(VECTORS, start=1):
        key = bytes((n * 17 + i) & 0xFF for i in range(32))
        nonce = bytes((n * 29 + i * 3) & 0xFF for i in range(12))
        key_id = bytes((n * 7 + i * 11) & 0xFF for i in range(16))
        plaintext = v.get("plaintext", bytes((n * 13 + i * 5) & 0xFF for i in range(32)))
        hdr = header(v["layer"], key_id, v["version"])
        a = aad(hdr, v["tenant"], v["service"], v["context"])
        sealed = AESGCM(key).encrypt(nonce, plaintext, a)
        blob = hdr + nonce + sealed
        print(f"### Vector {n}: {v['title']}\n")
        print("```")
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
