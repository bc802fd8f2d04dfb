#!/usr/bin/env python3
"""Talks to a KMIP server with PyKMIP over mutual TLS and prints what it answered, as JSON.

Usage: pykmip_probe.py HOST PORT CERT KEY CA VERSION   (VERSION like 1.2 or 2.0)
       pykmip_probe.py HOST PORT CERT KEY CA raw HEX   (sends the TTLV message HEX over the same TLS, prints the answer's hex)
       pykmip_probe.py HOST PORT CERT KEY CA VERSION lifecycle   (Create, Activate, Get, Get Attributes, Revoke, Destroy)
       pykmip_probe.py HOST PORT CERT KEY CA VERSION create [BITS] | get UID... | destroy UID... | register-locate | edge
       pykmip_probe.py HOST PORT CERT KEY CA resume HEX   (two connections per TLS version, the second resuming the first's session)
Prints {"connected": bool, "discover": {...}, "query": {...}} (or {"connected", "response"}) and exits 0; the caller asserts.
"""
import json
import socket
import ssl
import sys

if sys.argv[6] == "resume":
    host, port, cert, key, ca = sys.argv[1:6]
    out = {}
    for name, version in (("1.2", ssl.TLSVersion.TLSv1_2), ("1.3", ssl.TLSVersion.TLSv1_3)):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(ca)
        context.load_cert_chain(cert, key)
        context.minimum_version = context.maximum_version = version
        session, reused = None, []
        for _ in range(2):
            with socket.create_connection((host, int(port)), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=host, session=session) as tls:
                    tls.sendall(bytes.fromhex(sys.argv[7]))
                    tls.recv(8)  # a TLS 1.3 ticket arrives with the first answer
                    reused.append(tls.session_reused)
                    session = tls.session
        out[name] = reused
    print(json.dumps(out))
    sys.exit(0)

if sys.argv[6] == "raw":
    host, port, cert, key, ca = sys.argv[1:6]
    out = {"connected": False}
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(ca)
        if cert != "-":
            context.load_cert_chain(cert, key)
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                tls.sendall(bytes.fromhex(sys.argv[7]))
                header = b""
                while len(header) < 8:
                    chunk = tls.recv(8 - len(header))
                    if not chunk:
                        raise ConnectionError("closed before an answer")
                    header += chunk
                out["connected"] = True
                length = int.from_bytes(header[4:8], "big")
                body = b""
                while len(body) < length:
                    chunk = tls.recv(length - len(body))
                    if not chunk:
                        raise ConnectionError("closed inside the answer")
                    body += chunk
                out["response"] = (header + body).hex()
    except Exception as error:
        out["error"] = "%s: %s" % (type(error).__name__, error)
    print(json.dumps(out))
    sys.exit(0)

from kmip.core import enums
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, version = sys.argv[1:7]
versions = {"1.0": enums.KMIPVersion.KMIP_1_0, "1.1": enums.KMIPVersion.KMIP_1_1, "1.2": enums.KMIPVersion.KMIP_1_2,
            "1.3": enums.KMIPVersion.KMIP_1_3, "1.4": enums.KMIPVersion.KMIP_1_4, "2.0": enums.KMIPVersion.KMIP_2_0}


def make_client():
    # PROTOCOL_SSLv23 negotiates TLS 1.2 or 1.3; PROTOCOL_TLS_CLIENT would also check the host name.
    return ProxyKmipClient(hostname=host, port=int(port), cert=cert, key=key, ca=ca, ssl_version="PROTOCOL_SSLv23",
                           kmip_version=versions[version], config_file="/dev/null")


def run_scenario(body):
    """Opens a client, runs body(client, out), records any error in out, prints out as JSON and exits."""
    client = make_client()
    out = {}
    client.open()
    try:
        body(client, out)
    except Exception as error:
        out["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        client.close()
    print(json.dumps(out))
    sys.exit(0)


def status(result):
    return {"status": result.result_status.value.name,
            "reason": result.result_reason.value.name if result.result_reason else None,
            "message": result.result_message.value if result.result_message else None}


def register_locate(client, out):
    # Register a 96-byte secret and a named AES key, activate and get the secret, locate by name and by type.
    import os
    from kmip.core.factories import attributes as attribute_factory
    from kmip.pie import objects
    secret_bytes = os.urandom(96)
    secret_id = client.register(objects.SecretData(secret_bytes, enums.SecretDataType.SEED))
    name = "reg-key-" + os.urandom(4).hex()
    key_id = client.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, os.urandom(32), name=name))
    client.activate(secret_id)
    out["secret_round_trip"] = client.get(secret_id).value == secret_bytes
    factory = attribute_factory.AttributeFactory()
    out["by_name"] = client.locate(attributes=[factory.create_attribute(enums.AttributeType.NAME, name)]) == [key_id]
    by_type = client.locate(attributes=[factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SECRET_DATA)])
    out["by_type"] = secret_id in by_type and key_id not in by_type
    out["ids"] = [secret_id, key_id]


if len(sys.argv) > 7 and sys.argv[7] == "register-locate":
    run_scenario(register_locate)


def edge(client, out):
    # What a local app does at a gateway: Create AES-256, Activate, Get, Encrypt/Decrypt (CBC), Destroy, Get again.
    import os
    uid = client.create(enums.CryptographicAlgorithm.AES, 256)
    out["uid_length"] = len(uid)
    client.activate(uid)
    key = client.get(uid)
    out["key_length"] = len(key.value)
    data = os.urandom(100)
    cbc = {"block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5,
           "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
    ciphertext, iv = client.encrypt(data, uid=uid, cryptographic_parameters=cbc)
    out["cbc_round_trip"] = client.decrypt(ciphertext, uid=uid, cryptographic_parameters=cbc, iv_counter_nonce=iv) == data
    # The gateway's Get gave the real key: a local AES-CBC with it opens what the gateway sealed.
    from cryptography.hazmat.primitives import padding as pad
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    decryptor = Cipher(algorithms.AES(key.value), modes.CBC(iv)).decryptor()
    unpadder = pad.PKCS7(128).unpadder()
    out["cbc_matches_local_aes"] = unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize() == data
    client.destroy(uid)
    try:
        client.get(uid)
        out["after_destroy"] = "got"
    except Exception as error:
        out["after_destroy"] = getattr(getattr(error, "reason", None), "name", type(error).__name__)


if len(sys.argv) > 7 and sys.argv[7] == "edge":
    run_scenario(edge)

if len(sys.argv) > 7 and sys.argv[7] in ("create", "get", "revoke", "destroy"):
    # create [BITS]: prints the new key's uid (AES-128 unless BITS); get / revoke / destroy UID...: tries each, prints each outcome.
    client = make_client()
    out = {}
    client.open()
    try:
        if sys.argv[7] == "create":
            try:
                out["uid"] = client.create(enums.CryptographicAlgorithm.AES, int(sys.argv[8]) if len(sys.argv) > 8 else 128)
            except Exception as error:
                out["error"] = "%s: %s" % (type(error).__name__, error)
        else:
            outcomes = []
            for uid in sys.argv[8:]:
                try:
                    if sys.argv[7] == "destroy":
                        client.destroy(uid)
                        outcomes.append("destroyed")
                    elif sys.argv[7] == "revoke":
                        client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
                        outcomes.append("revoked")
                    else:
                        client.get(uid)
                        outcomes.append("got")
                except Exception as error:
                    outcomes.append(getattr(getattr(error, "reason", None), "name", type(error).__name__))
            out["outcomes"] = outcomes
    finally:
        client.close()
    print(json.dumps(out))
    sys.exit(0)

if len(sys.argv) > 7 and sys.argv[7] == "lifecycle":
    # Create, Activate, Get, Get Attributes (State), Revoke, Destroy, then Get again: each step's outcome.
    out = {"connected": False, "steps": {}}
    client = make_client()
    steps = out["steps"]

    def step(name, action):
        try:
            steps[name] = {"ok": True, "value": action()}
        except Exception as error:
            steps[name] = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}

    try:
        client.open()
        out["connected"] = True
        uid = client.create(enums.CryptographicAlgorithm.AES, 256, name="pykmip-key")
        steps["create"] = {"ok": True, "value": uid}
        step("activate", lambda: client.activate(uid))
        step("get", lambda: len(client.get(uid).value))
        step("state", lambda: [a.attribute_value.value.name for a in client.get_attributes(uid, ["State"])[1]])
        step("destroy-active", lambda: client.destroy(uid))
        step("revoke", lambda: client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid))
        step("destroy", lambda: client.destroy(uid))
        step("get-after-destroy", lambda: client.get(uid))
        out["uid"] = uid
    except Exception as error:
        out["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        try:
            client.close()
        except Exception:
            pass
    print(json.dumps(out))
    sys.exit(0)

out = {"connected": False}
client = make_client()
try:
    client.open()
    out["connected"] = True
    discovered = client.proxy.discover_versions()
    out["discover"] = status(discovered)
    out["discover"]["versions"] = ["%d.%d" % (v.major, v.minor) for v in (discovered.protocol_versions or [])]
    queried = client.proxy.query(query_functions=[enums.QueryFunction.QUERY_OPERATIONS, enums.QueryFunction.QUERY_SERVER_INFORMATION])
    out["query"] = status(queried)
    out["query"]["operations"] = [o.name for o in (queried.operations or [])]
    vendor = queried.vendor_identification
    out["query"]["vendor"] = getattr(vendor, "value", vendor)
except Exception as error:  # the caller asserts on what is printed
    out["error"] = "%s: %s" % (type(error).__name__, error)
finally:
    try:
        client.close()
    except Exception:
        pass
print(json.dumps(out))
