#!/usr/bin/env python3
"""KMIP acceptance: PyKMIP's ProxyKmipClient against a running OpenKCM over mutual TLS.

Each test runs in KMIP 1.2 and in 2.0 and asserts on what the server answered:
Create, Create Key Pair (RSA-2048), Register (keys, secrets, opaque
objects, X.509 certificates), Get, Get Attributes (the
Digest), Locate with several filters, Check, Sign and Signature Verify,
Activate, Encrypt, Decrypt, Revoke, Destroy (the object kept
in state Destroyed), and that another tenant's certificate reaches none of it.
Derive Key (PBKDF2, HMAC, SP 800-108 counter, Encrypt), split keys, AES-ECB,
ChaCha20 and Application Specific Information, checked against pyca/cryptography.
Last, the kill switch: unlinking a third tenant's L1 stops its KMIP
operations (Get, Sign, Decrypt, Derive Key...) within 1 s (measured and
printed) while the others go on.

scripts/kmip/acceptance starts the server and provisions it, then runs this
file with these variables set:
  OPENKCM_KMIP_HOST, OPENKCM_KMIP_PORT     the KMIP listener
  OPENKCM_KMIP_CA                          the CA that signed the server's certificate
  OPENKCM_KMIP_CERT, OPENKCM_KMIP_KEY      a client registered for tenant acme
  OPENKCM_KMIP_OTHER_CERT, OPENKCM_KMIP_OTHER_KEY   a client registered for tenant globex
  OPENKCM_KMIP_DOOMED_CERT, OPENKCM_KMIP_DOOMED_KEY a client of the tenant whose L1 is unlinked
  OPENKCM_ADDR, OPENKCM_ROOT_TOKEN, OPENKCM_DOOMED_TENANT   the REST API, to unlink that L1
Run: python3 -m unittest -v test_pykmip_acceptance   (from scripts/kmip)
"""
import hashlib
import hmac
import os
import unittest

from kmip.core import enums
from kmip.core.factories import attributes as attribute_factory
from kmip.pie import exceptions, objects
from kmip.pie.client import ProxyKmipClient

VERSIONS = {"1.2": enums.KMIPVersion.KMIP_1_2, "2.0": enums.KMIPVersion.KMIP_2_0}
ATTRIBUTES = attribute_factory.AttributeFactory()


def client(version, who=""):
    environment = os.environ
    return ProxyKmipClient(
        hostname=environment["OPENKCM_KMIP_HOST"], port=int(environment["OPENKCM_KMIP_PORT"]),
        cert=environment["OPENKCM_KMIP%s_CERT" % who], key=environment["OPENKCM_KMIP%s_KEY" % who],
        ca=environment["OPENKCM_KMIP_CA"],
        # PROTOCOL_SSLv23 negotiates TLS 1.2 or 1.3; PyKMIP's other choices pin older versions.
        ssl_version="PROTOCOL_SSLv23", kmip_version=VERSIONS[version], config_file="/dev/null")


def reason(error):
    """The KMIP Result Reason of a failed operation, by name."""
    found = getattr(error, "reason", None)
    return getattr(found, "name", type(error).__name__)


class KMIPAcceptance(unittest.TestCase):
    def each_version(self, body):
        for version in VERSIONS:
            with self.subTest(kmip=version):
                kmip = client(version)
                kmip.open()
                try:
                    body(kmip, version)
                finally:
                    kmip.close()

    def state(self, kmip, uid):
        _, attributes = kmip.get_attributes(uid, ["State"])
        return [attribute.attribute_value.value for attribute in attributes]

    def test_a_created_key_lives_and_is_destroyed(self):
        def body(kmip, version):
            name = "acceptance-%s-%s" % (version, os.urandom(4).hex())
            uid = kmip.create(enums.CryptographicAlgorithm.AES, 256, name=name,
                              cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT])
            self.assertEqual(self.state(kmip, uid), [enums.State.PRE_ACTIVE])
            kmip.activate(uid)
            self.assertEqual(self.state(kmip, uid), [enums.State.ACTIVE])

            key = kmip.get(uid)
            self.assertIsInstance(key, objects.SymmetricKey)
            self.assertEqual(len(key.value), 32)
            self.assertEqual(key.cryptographic_algorithm, enums.CryptographicAlgorithm.AES)
            self.assertEqual(key.cryptographic_length, 256)

            _, attributes = kmip.get_attributes(uid, ["Cryptographic Algorithm", "Cryptographic Length", "Object Type"])
            found = {attribute.attribute_name.value: attribute.attribute_value.value for attribute in attributes}
            self.assertEqual(found.get("Cryptographic Algorithm"), enums.CryptographicAlgorithm.AES)
            self.assertEqual(found.get("Cryptographic Length"), 256)
            self.assertEqual(found.get("Object Type"), enums.ObjectType.SYMMETRIC_KEY)

            self.assertEqual(kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.NAME, name)]), [uid])
            active = kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.STATE, enums.State.ACTIVE)])
            self.assertIn(uid, active)

            # Destroy is refused while the key is Active; after Revoke it crypto-shreds the key.
            with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                kmip.destroy(uid)
            self.assertIn(reason(refused.exception), ("PERMISSION_DENIED", "WRONG_KEY_LIFECYCLE_STATE"))
            kmip.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
            self.assertEqual(self.state(kmip, uid), [enums.State.DEACTIVATED])
            kmip.destroy(uid)
            with self.assertRaises(exceptions.KmipOperationFailure) as gone:
                kmip.get(uid)
            # KMIP 1.x has one reason for a missing or destroyed object; 2.x tells them apart.
            self.assertEqual(reason(gone.exception), "ITEM_NOT_FOUND" if version == "1.2" else "OBJECT_DESTROYED")
            # Its attributes stay, in state Destroyed; Locate leaves it out.
            self.assertEqual(self.state(kmip, uid), [enums.State.DESTROYED])
            self.assertEqual(kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.NAME, name)]), [])
        self.each_version(body)

    def test_check_digest_dates_and_locate_filters(self):
        def body(kmip, version):
            tag = os.urandom(4).hex()
            # A registered key has a SHA-256 Digest of its material. (PyKMIP's proxy client cannot send an Activation
            # Date with Register or Create; the Swift tests register keys dated in the past and future.)
            material = os.urandom(32)
            key = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, material, name="dated-%s" % tag,
                                       masks=[enums.CryptographicUsageMask.DECRYPT])
            key_id = kmip.register(key)
            self.assertEqual(self.state(kmip, key_id), [enums.State.PRE_ACTIVE])
            _, attributes = kmip.get_attributes(key_id, ["Digest"])
            digest = attributes[0].attribute_value
            self.assertEqual(digest.hashing_algorithm.value, enums.HashingAlgorithm.SHA_256)
            self.assertEqual(digest.digest_value.value, hashlib.sha256(material).digest())
            # Check: the usage mask allows Decrypt, not Encrypt.
            self.assertEqual(kmip.check(key_id, cryptographic_usage_mask=[enums.CryptographicUsageMask.DECRYPT]), key_id)
            with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                kmip.check(key_id, cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT])
            self.assertEqual(reason(refused.exception), "PERMISSION_DENIED" if version == "1.2" else "INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK")
            # Locate matches every attribute given, and only the caller's objects.
            small = kmip.create(enums.CryptographicAlgorithm.AES, 128, name="small-%s" % tag)
            large = kmip.create(enums.CryptographicAlgorithm.AES, 256, name="large-%s" % tag)
            aes = ATTRIBUTES.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM, enums.CryptographicAlgorithm.AES)
            short = ATTRIBUTES.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_LENGTH, 128)
            found = kmip.locate(attributes=[aes, short])
            self.assertIn(small, found)
            self.assertNotIn(large, found)
            self.assertNotIn(key_id, found)
            named = ATTRIBUTES.create_attribute(enums.AttributeType.NAME, "large-%s" % tag)
            self.assertEqual(kmip.locate(attributes=[named, short]), [])
            self.assertEqual(kmip.locate(attributes=[named, aes]), [large])
            self.assertEqual(len(kmip.locate(maximum_items=1, attributes=[aes])), 1)
        self.each_version(body)

    def test_registered_keys_and_secrets_come_back_as_registered(self):
        def body(kmip, version):
            material = os.urandom(32)
            name = "registered-%s-%s" % (version, os.urandom(4).hex())
            key_id = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, material, name=name))
            secret_bytes = os.urandom(96)
            secret_id = kmip.register(objects.SecretData(secret_bytes, enums.SecretDataType.SEED))
            self.assertEqual(self.state(kmip, key_id), [enums.State.PRE_ACTIVE])
            kmip.activate(key_id)
            kmip.activate(secret_id)
            self.assertEqual(kmip.get(key_id).value, material)
            secret = kmip.get(secret_id)
            self.assertIsInstance(secret, objects.SecretData)
            self.assertEqual(secret.value, secret_bytes)
            self.assertEqual(kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.NAME, name)]), [key_id])
            secrets = kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SECRET_DATA)])
            self.assertIn(secret_id, secrets)
            self.assertNotIn(key_id, secrets)
            # An AES key of the wrong size is refused.
            with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 160, os.urandom(20)))
            self.assertEqual(reason(refused.exception), "INVALID_FIELD")
        self.each_version(body)

    def test_key_pairs_sign_verify_and_find(self):
        def body(kmip, version):
            import base64
            import textwrap
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
            tag = os.urandom(4).hex()
            public_id, private_id = kmip.create_key_pair(
                enums.CryptographicAlgorithm.RSA, 2048, public_name="pub-%s" % tag, private_name="priv-%s" % tag,
                public_usage_mask=[enums.CryptographicUsageMask.VERIFY, enums.CryptographicUsageMask.ENCRYPT],
                private_usage_mask=[enums.CryptographicUsageMask.SIGN, enums.CryptographicUsageMask.DECRYPT])
            self.assertEqual(self.state(kmip, private_id), [enums.State.PRE_ACTIVE])
            kmip.activate(public_id)
            kmip.activate(private_id)
            public_key = kmip.get(public_id)
            self.assertIsInstance(public_key, objects.PublicKey)
            self.assertEqual(public_key.cryptographic_algorithm, enums.CryptographicAlgorithm.RSA)
            self.assertEqual(public_key.cryptographic_length, 2048)
            self.assertEqual(public_key.key_format_type, enums.KeyFormatType.PKCS_1)
            private_key = kmip.get(private_id)
            self.assertIsInstance(private_key, objects.PrivateKey)

            message = b"a backup block " + os.urandom(16)
            parameters = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.PKCS1v15,
                          "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
            signature = kmip.sign(message, uid=private_id, cryptographic_parameters=parameters)
            self.assertEqual(len(signature), 256)
            self.assertEqual(kmip.signature_verify(message, signature, uid=public_id, cryptographic_parameters=parameters),
                             enums.ValidityIndicator.VALID)
            self.assertEqual(kmip.signature_verify(message + b"!", signature, uid=public_id, cryptographic_parameters=parameters),
                             enums.ValidityIndicator.INVALID)
            # The signature verifies with the public key Get gave (PKCS#1), checked by the cryptography package on its own.
            pem = "-----BEGIN RSA PUBLIC KEY-----\n%s\n-----END RSA PUBLIC KEY-----\n" % "\n".join(
                textwrap.wrap(base64.b64encode(public_key.value).decode(), 64))
            serialization.load_pem_public_key(pem.encode()).verify(signature, message, rsa_padding.PKCS1v15(), hashes.SHA256())
            # A public key does not sign.
            with self.assertRaises(exceptions.KmipOperationFailure):
                kmip.sign(message, uid=public_id, cryptographic_parameters=parameters)
            self.assertEqual(kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.NAME, "priv-%s" % tag)]), [private_id])
            publics = kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.PUBLIC_KEY)])
            self.assertIn(public_id, publics)
            self.assertNotIn(private_id, publics)
        self.each_version(body)

    def test_opaque_objects_and_certificates_come_back_as_registered(self):
        def body(kmip, version):
            import datetime
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            blob = os.urandom(40)
            opaque_id = kmip.register(objects.OpaqueObject(blob, enums.OpaqueDataType.NONE))
            opaque = kmip.get(opaque_id)
            self.assertIsInstance(opaque, objects.OpaqueObject)
            self.assertEqual(opaque.value, blob)
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "array-%s" % os.urandom(4).hex())])
            now = datetime.datetime.now(datetime.timezone.utc)
            certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                           .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                           .sign(key, hashes.SHA256()))
            der = certificate.public_bytes(serialization.Encoding.DER)
            certificate_id = kmip.register(objects.X509Certificate(der))
            got = kmip.get(certificate_id)
            self.assertIsInstance(got, objects.X509Certificate)
            self.assertEqual(got.value, der)
            # PyKMIP 0.11 cannot read a Certificate Type in a KMIP 2.0 Attributes structure (its 2.0 attribute factory
            # lacks it): asked in 1.2 only.
            names = ["Certificate Type", "Digest"] if version == "1.2" else ["Digest"]
            _, attributes = kmip.get_attributes(certificate_id, names)
            found = {attribute.attribute_name.value: attribute.attribute_value for attribute in attributes}
            if version == "1.2":
                self.assertEqual(found["Certificate Type"].value, enums.CertificateType.X_509)
            self.assertEqual(found["Digest"].digest_value.value, hashlib.sha256(der).digest())
            certificates = kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.CERTIFICATE)])
            self.assertIn(certificate_id, certificates)
            self.assertNotIn(opaque_id, certificates)
        self.each_version(body)

    def test_encrypt_and_decrypt_with_a_managed_key(self):
        def body(kmip, version):
            uid = kmip.create(enums.CryptographicAlgorithm.AES, 256,
                              cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT])
            # Encrypt needs an Active key.
            cbc = {"block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5,
                   "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            with self.assertRaises(exceptions.KmipOperationFailure):
                kmip.encrypt(b"not yet", uid=uid, cryptographic_parameters=cbc)
            kmip.activate(uid)
            message = os.urandom(45)
            ciphertext, iv = kmip.encrypt(message, uid=uid, cryptographic_parameters=cbc)
            self.assertEqual(len(iv), 16)
            self.assertEqual(len(ciphertext), 48)
            self.assertEqual(kmip.decrypt(ciphertext, uid=uid, cryptographic_parameters=cbc, iv_counter_nonce=iv), message)

            # The client's own IV is used, and the ciphertext is what AES-CBC gives with the key.
            chosen_iv = os.urandom(16)
            ciphertext, returned_iv = kmip.encrypt(message, uid=uid, cryptographic_parameters=cbc, iv_counter_nonce=chosen_iv)
            self.assertIsNone(returned_iv)
            from cryptography.hazmat.primitives import padding
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            key = kmip.get(uid).value
            padder = padding.PKCS7(128).padder()
            local = Cipher(algorithms.AES(key), modes.CBC(chosen_iv)).encryptor()
            self.assertEqual(ciphertext, local.update(padder.update(message) + padder.finalize()) + local.finalize())

            ctr = {"block_cipher_mode": enums.BlockCipherMode.CTR, "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            ciphertext, nonce = kmip.encrypt(message, uid=uid, cryptographic_parameters=ctr)
            self.assertEqual(len(ciphertext), len(message))
            self.assertNotEqual(ciphertext, message)
            self.assertEqual(kmip.decrypt(ciphertext, uid=uid, cryptographic_parameters=ctr, iv_counter_nonce=nonce), message)

            # Garbage does not decrypt; a revoked key still decrypts but no longer encrypts. The garbage is
            # made to end in a zero byte once decrypted: random bytes would carry valid PKCS#7 padding about
            # once in 256 runs, and the check would then be a coin toss.
            garbage_iv = os.urandom(16)
            raw = Cipher(algorithms.AES(key), modes.CBC(garbage_iv)).encryptor()
            unpadded = raw.update(os.urandom(47) + b"\x00") + raw.finalize()
            with self.assertRaises(exceptions.KmipOperationFailure) as garbage:
                kmip.decrypt(unpadded, uid=uid, cryptographic_parameters=cbc, iv_counter_nonce=garbage_iv)
            self.assertEqual(reason(garbage.exception), "CRYPTOGRAPHIC_FAILURE")
            kmip.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
            self.assertEqual(kmip.decrypt(ciphertext, uid=uid, cryptographic_parameters=ctr, iv_counter_nonce=nonce), message)
            with self.assertRaises(exceptions.KmipOperationFailure):
                kmip.encrypt(message, uid=uid, cryptographic_parameters=ctr)
            kmip.destroy(uid)

            # MAC with a registered HMAC-SHA256 key equals Python's HMAC.
            mac_key = os.urandom(32)
            mac_id = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.HMAC_SHA256, 256, mac_key,
                                                        masks=[enums.CryptographicUsageMask.MAC_GENERATE]))
            kmip.activate(mac_id)
            _, mac = kmip.mac(message, uid=mac_id, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)
            self.assertEqual(mac, hmac.new(mac_key, message, hashlib.sha256).digest())
        self.each_version(body)

    def test_another_tenant_reaches_nothing(self):
        def body(kmip, version):
            uid = kmip.create(enums.CryptographicAlgorithm.AES, 256, name="tenant-a-%s" % version)
            kmip.activate(uid)
            stranger = client(version, "_OTHER")
            stranger.open()
            try:
                for attempt in (lambda: stranger.get(uid), lambda: stranger.get_attributes(uid, ["State"]),
                                lambda: stranger.encrypt(b"x", uid=uid, cryptographic_parameters={"block_cipher_mode": enums.BlockCipherMode.CTR}),
                                lambda: stranger.revoke(enums.RevocationReasonCode.KEY_COMPROMISE, uid),
                                lambda: stranger.destroy(uid), lambda: stranger.activate(uid)):
                    with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                        attempt()
                    self.assertEqual(reason(refused.exception), "ITEM_NOT_FOUND" if version == "1.2" else "OBJECT_NOT_FOUND")
                self.assertNotIn(uid, stranger.locate())
            finally:
                stranger.close()
            self.assertEqual(self.state(kmip, uid), [enums.State.ACTIVE])
        self.each_version(body)


class KMIPDerivationAndSplitKeys(unittest.TestCase):
    """Derive Key (PBKDF2, HMAC, NIST SP 800-108 counter mode, Encrypt), split keys, ECB and ChaCha20,
    Application Specific Information; each derived key checked against pyca/cryptography's own computation."""

    def each_version(self, body):
        KMIPAcceptance.each_version(self, body)

    def test_derived_keys_are_what_the_standards_compute(self):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        from cryptography.hazmat.primitives.kdf.kbkdf import KBKDFHMAC, CounterLocation, Mode

        def body(kmip, version):
            password = os.urandom(24)
            secret_id = kmip.register(objects.SecretData(password, enums.SecretDataType.PASSWORD,
                                                         masks=[enums.CryptographicUsageMask.DERIVE_KEY]))
            kmip.activate(secret_id)
            salt = os.urandom(16)
            sha256 = {"hashing_algorithm": enums.HashingAlgorithm.SHA_256}
            derived_id = kmip.derive_key(enums.ObjectType.SYMMETRIC_KEY, [secret_id], enums.DerivationMethod.PBKDF2,
                                         {"cryptographic_parameters": sha256, "salt": salt, "iteration_count": 4096},
                                         cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            self.assertNotEqual(derived_id, secret_id)
            derived = kmip.get(derived_id)
            self.assertIsInstance(derived, objects.SymmetricKey)
            self.assertEqual(derived.cryptographic_length, 256)
            self.assertEqual(derived.value, hashlib.pbkdf2_hmac("sha256", password, salt, 4096, 32))

            base = os.urandom(32)
            # Derive Key, and Encrypt for the Encrypt method (an encryption under the base).
            key_id = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, base,
                                                        masks=[enums.CryptographicUsageMask.DERIVE_KEY, enums.CryptographicUsageMask.ENCRYPT]))
            kmip.activate(key_id)
            info = b"tenant acme, volume 7"
            hkdf_id = kmip.derive_key(enums.ObjectType.SYMMETRIC_KEY, [key_id], enums.DerivationMethod.HMAC,
                                      {"cryptographic_parameters": sha256, "salt": salt, "derivation_data": info},
                                      cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            self.assertEqual(kmip.get(hkdf_id).value, HKDF(hashes.SHA256(), 32, salt, info).derive(base))
            counter_id = kmip.derive_key(enums.ObjectType.SECRET_DATA, [key_id], enums.DerivationMethod.NIST800_108_C,
                                         {"cryptographic_parameters": sha256, "derivation_data": info}, cryptographic_length=384)
            expected = KBKDFHMAC(hashes.SHA256(), Mode.CounterMode, 48, 4, None, CounterLocation.BeforeFixed, None, None, info).derive(base)
            self.assertEqual(kmip.get(counter_id).value, expected)
            iv = os.urandom(16)
            data = os.urandom(32)
            encrypted_id = kmip.derive_key(enums.ObjectType.SYMMETRIC_KEY, [key_id], enums.DerivationMethod.ENCRYPT,
                                           {"cryptographic_parameters": {"block_cipher_mode": enums.BlockCipherMode.CBC,
                                                                         "padding_method": enums.PaddingMethod.NONE,
                                                                         "cryptographic_algorithm": enums.CryptographicAlgorithm.AES},
                                            "initialization_vector": iv, "derivation_data": data},
                                           cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            encryptor = Cipher(algorithms.AES(base), modes.CBC(iv)).encryptor()
            self.assertEqual(kmip.get(encrypted_id).value, encryptor.update(data) + encryptor.finalize())
            # (The links between base and derived keys are checked in KMIPDeriveKeyTests: PyKMIP 0.11 cannot read a Link attribute.)
            # A base whose usage mask lacks Derive Key is refused.
            encrypt_only = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, os.urandom(32),
                                                              masks=[enums.CryptographicUsageMask.ENCRYPT]))
            kmip.activate(encrypt_only)
            with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                kmip.derive_key(enums.ObjectType.SYMMETRIC_KEY, [encrypt_only], enums.DerivationMethod.HMAC,
                                {"cryptographic_parameters": sha256, "derivation_data": info}, cryptographic_length=128)
            self.assertEqual(reason(refused.exception), "PERMISSION_DENIED" if version == "1.2" else "INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK")
        self.each_version(body)

    def test_split_keys_ecb_chacha_and_application_information(self):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        def body(kmip, version):
            parts = [os.urandom(32), os.urandom(32)]
            ids = [kmip.register(objects.SplitKey(enums.CryptographicAlgorithm.AES, 256, part, split_key_parts=2, key_part_identifier=index + 1,
                                                  split_key_threshold=2, split_key_method=enums.SplitKeyMethod.XOR,
                                                  name="split-%s-%d" % (version, index)))
                   for index, part in enumerate(parts)]
            for index, uid in enumerate(ids):
                split = kmip.get(uid)
                self.assertIsInstance(split, objects.SplitKey)
                self.assertEqual((split.split_key_parts, split.key_part_identifier, split.split_key_threshold, split.split_key_method),
                                 (2, index + 1, 2, enums.SplitKeyMethod.XOR))
                self.assertEqual(split.value, parts[index])
            found = kmip.locate(attributes=[ATTRIBUTES.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SPLIT_KEY)])
            self.assertTrue(set(ids) <= set(found))

            # AES-ECB (PKCS#5), checked against pyca/cryptography's ECB.
            key = os.urandom(32)
            both = [enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT]
            aes_id = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, key, masks=both))
            kmip.activate(aes_id)
            ecb = {"block_cipher_mode": enums.BlockCipherMode.ECB, "padding_method": enums.PaddingMethod.NONE,
                   "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            block = os.urandom(32)
            ciphertext, _ = kmip.encrypt(block, uid=aes_id, cryptographic_parameters=ecb)
            encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
            self.assertEqual(ciphertext, encryptor.update(block) + encryptor.finalize())
            self.assertEqual(kmip.decrypt(ciphertext, uid=aes_id, cryptographic_parameters=ecb), block)

            # ChaCha20 (pyca's nonce is the 32-bit counter then the 96-bit nonce, as OpenSSL's).
            chacha_key = os.urandom(32)
            chacha_id = kmip.register(objects.SymmetricKey(enums.CryptographicAlgorithm.CHACHA20, 256, chacha_key, masks=both))
            kmip.activate(chacha_id)
            nonce = os.urandom(12)
            message = os.urandom(100)
            chacha = {"cryptographic_algorithm": enums.CryptographicAlgorithm.CHACHA20}
            ciphertext, _ = kmip.encrypt(message, uid=chacha_id, cryptographic_parameters=chacha, iv_counter_nonce=nonce)
            expected = Cipher(algorithms.ChaCha20(chacha_key, b"\x00\x00\x00\x00" + nonce), None).encryptor().update(message)
            self.assertEqual(ciphertext, expected)
            self.assertEqual(kmip.decrypt(ciphertext, uid=chacha_id, cryptographic_parameters=chacha, iv_counter_nonce=nonce), message)

            # Application Specific Information, added and located by.
            namespace = "ssl-%s" % os.urandom(4).hex()
            information = ATTRIBUTES.create_attribute(enums.AttributeType.APPLICATION_SPECIFIC_INFORMATION,
                                                      {"application_namespace": namespace, "application_data": "www.example.com"})
            from kmip.core import objects as cobjects
            template = cobjects.TemplateAttribute(attributes=[
                ATTRIBUTES.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM, enums.CryptographicAlgorithm.AES),
                ATTRIBUTES.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_LENGTH, 128), information])
            made = kmip.proxy.create(enums.ObjectType.SYMMETRIC_KEY, template)
            self.assertEqual(made.result_status.value, enums.ResultStatus.SUCCESS, made.result_message)
            tagged = made.uuid if isinstance(made.uuid, str) else made.uuid.value
            self.assertEqual(kmip.locate(attributes=[information]), [tagged])
            _, kept = kmip.get_attributes(tagged, ["Application Specific Information"])
            self.assertEqual([(item.attribute_value.application_namespace, item.attribute_value.application_data) for item in kept],
                             [(namespace, "www.example.com")])
        self.each_version(body)


class KMIPChangesRekeysAndWrapping(unittest.TestCase):
    """Attributes changed and deleted (1.x and 2.x forms), Get Attribute List, ReKey and ReKey Key Pair,
    RSA-OAEP, each answer checked."""

    def each_version(self, body):
        KMIPAcceptance.each_version(self, body)

    def test_attribute_changes_rekeys_oaep_and_wrapped_get(self):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
        from kmip.core import attributes
        from kmip.core import objects as cobjects

        def name(text):
            return ATTRIBUTES.create_attribute(enums.AttributeType.NAME, text)

        def names(kmip, uid):
            _, attributes = kmip.get_attributes(uid, ["Name"])
            return sorted(attribute.attribute_value.name_value.value for attribute in attributes)

        def body(kmip, version):
            tag = "%s-%s" % (version, os.urandom(4).hex())
            both = [enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT]
            uid = kmip.create(enums.CryptographicAlgorithm.AES, 256, name="first-" + tag, cryptographic_usage_mask=both)
            # Modify the Name, then delete it: 1.x names the attribute, 2.x carries Current and New Attribute.
            if version == "1.2":
                kmip.modify_attribute(unique_identifier=uid, attribute=name("renamed-" + tag))
                self.assertEqual(names(kmip, uid), ["renamed-" + tag])
                kmip.delete_attribute(unique_identifier=uid, attribute_name="Name", attribute_index=0)
            else:
                def tagged(text):
                    return attributes.Name.create(text, enums.NameType.UNINTERPRETED_TEXT_STRING)
                kmip.modify_attribute(unique_identifier=uid, current_attribute=cobjects.CurrentAttribute(attribute=tagged("first-" + tag)),
                                      new_attribute=cobjects.NewAttribute(attribute=tagged("renamed-" + tag)))
                self.assertEqual(names(kmip, uid), ["renamed-" + tag])
                kmip.delete_attribute(unique_identifier=uid, current_attribute=cobjects.CurrentAttribute(attribute=tagged("renamed-" + tag)))
            self.assertEqual(names(kmip, uid), [])
            self.assertIn("Cryptographic Length", kmip.get_attribute_list(uid))

            # ReKey: a new key of the same kind, the old one linked to it; the two differ.
            kmip.activate(uid)
            replacement = kmip.rekey(uid=uid)
            self.assertNotEqual(replacement, uid)
            self.assertEqual(self.state(kmip, replacement), [enums.State.ACTIVE])
            self.assertNotEqual(kmip.get(replacement).value, kmip.get(uid).value)

            # (A Get wrapped under another key is checked in KMIPObjectOperationsTests and KMIPSplitKeyTests: PyKMIP 0.11 reads a
            # wrapped Key Value only as a structure, where KMIP and the profiles' AX-M-2 answer a Byte String.)

            # RSA-OAEP with SHA-256: the server encrypts with the public key; the private key, got as PKCS#1, decrypts here too.
            public_id, private_id = kmip.create_key_pair(enums.CryptographicAlgorithm.RSA, 2048,
                                                         private_usage_mask=[enums.CryptographicUsageMask.DECRYPT],
                                                         public_usage_mask=[enums.CryptographicUsageMask.ENCRYPT])
            kmip.activate(public_id)
            kmip.activate(private_id)
            oaep = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.OAEP,
                    "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
            secret = os.urandom(32)
            ciphertext, _ = kmip.encrypt(secret, uid=public_id, cryptographic_parameters=oaep)
            self.assertEqual(len(ciphertext), 256)
            self.assertEqual(kmip.decrypt(ciphertext, uid=private_id, cryptographic_parameters=oaep), secret)
            private_key = serialization.load_der_private_key(kmip.get(private_id).value, password=None)
            self.assertEqual(private_key.decrypt(ciphertext, rsa_padding.OAEP(rsa_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)), secret)

            # ReKey Key Pair: a fresh pair; the old public key cannot open what the new private key... the new pair works together.
            result = kmip.proxy.rekey_key_pair(private_key_uuid=attributes.PrivateKeyUniqueIdentifier(private_id))
            self.assertEqual(result.result_status.value, enums.ResultStatus.SUCCESS, result.result_message)
            new_private = result.private_key_uuid if isinstance(result.private_key_uuid, str) else result.private_key_uuid.value
            new_public = result.public_key_uuid if isinstance(result.public_key_uuid, str) else result.public_key_uuid.value
            self.assertNotIn(new_private, (private_id, public_id))
            self.assertEqual(self.state(kmip, new_private), [enums.State.ACTIVE])
            again, _ = kmip.encrypt(secret, uid=new_public, cryptographic_parameters=oaep)
            self.assertEqual(kmip.decrypt(again, uid=new_private, cryptographic_parameters=oaep), secret)
            with self.assertRaises(exceptions.KmipOperationFailure):
                self.assertNotEqual(kmip.decrypt(again, uid=private_id, cryptographic_parameters=oaep), secret)
        self.each_version(body)

    def state(self, kmip, uid):
        return KMIPAcceptance.state(self, kmip, uid)


class KMIPKillSwitch(unittest.TestCase):
    """Unlinking a tenant's L1 stops every KMIP operation of that tenant within 1 s; other tenants go on."""

    def test_unlinking_the_l1_reaches_kmip_within_a_second(self):
        import json
        import time
        import urllib.request
        environment = os.environ
        victim = client("2.0", "_DOOMED")
        bystander = client("2.0", "_OTHER")
        victim.open()
        bystander.open()
        try:
            ctr = {"block_cipher_mode": enums.BlockCipherMode.CTR, "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            victim_key = victim.create(enums.CryptographicAlgorithm.AES, 256)
            victim.activate(victim_key)
            bystander_key = bystander.create(enums.CryptographicAlgorithm.AES, 256)
            bystander.activate(bystander_key)
            ciphertext, nonce = victim.encrypt(b"before", uid=victim_key, cryptographic_parameters=ctr)
            _, victim_private = victim.create_key_pair(enums.CryptographicAlgorithm.RSA, 2048)
            victim.activate(victim_private)
            pss = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.PSS,
                   "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
            victim.sign(b"before", uid=victim_private, cryptographic_parameters=pss)
            victim_base = victim.register(objects.SecretData(os.urandom(24), enums.SecretDataType.PASSWORD,
                                                             masks=[enums.CryptographicUsageMask.DERIVE_KEY]))
            victim.activate(victim_base)
            pbkdf2 = {"cryptographic_parameters": {"hashing_algorithm": enums.HashingAlgorithm.SHA_256}, "salt": b"salt", "iteration_count": 10}
            derive = lambda: victim.derive_key(enums.ObjectType.SYMMETRIC_KEY, [victim_base], enums.DerivationMethod.PBKDF2, pbkdf2,
                                               cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            derive()

            request = urllib.request.Request("%s/v1/tenants/%s/l1" % (environment["OPENKCM_ADDR"], environment["OPENKCM_DOOMED_TENANT"]),
                                             method="DELETE", headers={"Authorization": "Bearer " + environment["OPENKCM_ROOT_TOKEN"]})
            unlinked = time.monotonic()
            with urllib.request.urlopen(request) as answer:
                self.assertEqual(answer.status, 200, answer.read())
            refused_after = None
            while time.monotonic() - unlinked < 5:
                try:
                    victim.encrypt(b"after", uid=victim_key, cryptographic_parameters=ctr)
                except exceptions.KmipOperationFailure as error:
                    refused_after = time.monotonic() - unlinked
                    self.assertEqual(reason(error), "PERMISSION_DENIED")
                    break
                time.sleep(0.01)
            self.assertIsNotNone(refused_after, "the tenant's keys still worked 5 s after the unlink")
            print("\n  kill switch: first KMIP refusal %.0f ms after the unlink was sent" % (refused_after * 1000))
            self.assertLess(refused_after, 1.0)
            # Every operation that opens a key is refused, each with a KMIP error: symmetric and private keys alike.
            for attempt in (lambda: victim.get(victim_key), lambda: victim.get(victim_private),
                            lambda: victim.sign(b"after", uid=victim_private, cryptographic_parameters=pss), derive,
                            lambda: victim.decrypt(ciphertext, uid=victim_key, cryptographic_parameters=ctr, iv_counter_nonce=nonce),
                            lambda: victim.create(enums.CryptographicAlgorithm.AES, 128),
                            lambda: victim.register(objects.SecretData(os.urandom(32), enums.SecretDataType.SEED))):
                with self.assertRaises(exceptions.KmipOperationFailure) as refused:
                    attempt()
                self.assertEqual(reason(refused.exception), "PERMISSION_DENIED")
            # The other tenant keeps working.
            ciphertext, nonce = bystander.encrypt(b"still here", uid=bystander_key, cryptographic_parameters=ctr)
            self.assertEqual(bystander.decrypt(ciphertext, uid=bystander_key, cryptographic_parameters=ctr, iv_counter_nonce=nonce), b"still here")
        finally:
            victim.close()
            bystander.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
