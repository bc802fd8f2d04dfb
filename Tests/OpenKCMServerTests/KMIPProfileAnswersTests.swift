import Crypto
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMPKI
import X509

/// The answers the KMIP profiles' test cases expect (OASIS KMIP 1.4 and 2.1
/// test-case files: BL-M-*, SKLC-M-*, CS-BC-M-*), through the message layer
/// and the real key chain: dates that make a key Active, the Digest, Check,
/// a destroyed object kept as attributes, the result reasons of each
/// version, Locate that matches every attribute, the Attribute Index of 1.x
/// answers, a key's own Cryptographic Parameters, Transparent Symmetric Keys.
@Suite struct KMIPProfileAnswersTests {
    typealias Session = KMIPClientFlowTests.Session

    static func uid(_ uid: String) -> TTLVItem { TTLVItem(.uniqueIdentifier, .textString(uid)) }
    static let material: [UInt8] = Array(0..<32)

    /// A Register of a 256-bit AES key with these 2.x attributes.
    static func register(_ session: Session, _ attributes: [TTLVItem], format: KMIPKeyFormatType = .raw) async throws -> String {
        let keyMaterial: TTLVItem = format == .transparentSymmetricKey
            ? .structure(.keyMaterial, [TTLVItem(.key, .byteString(material))]) : TTLVItem(.keyMaterial, .byteString(material))
        let answer = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                     TTLVItem(.cryptographicLength, .integer(256))] + attributes),
            .structure(.symmetricKey, [.structure(.keyBlock, [
                TTLVItem(.keyFormatType, .enumeration(format.rawValue)), .structure(.keyValue, [keyMaterial]),
                TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)), TTLVItem(.cryptographicLength, .integer(256)),
            ])]),
        ])
        return try #require(answer.payload?[.uniqueIdentifier]?.textValue, "\(answer)")
    }

    static func attributes(_ session: Session, _ uid: String) async throws -> TTLVItem {
        let answer = try await session.send(.getAttributes, [Self.uid(uid)])
        #expect(answer.resultStatus == .success, "\(answer)")
        return try #require(answer.payload?[.attributes])
    }

    @Test func anActivationDateInThePastIsActiveAtOnceAndTheDigestIsSet() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        // BL-M-3-21: registered with an Activation Date of 2000-02-01, Active at once.
        let past = try await Self.register(session, [TTLVItem(.activationDate, .dateTime(949_363_200))])
        let attributes = try await Self.attributes(session, past)
        #expect(attributes[.state]?.enumerationValue == KMIPState.active.rawValue)
        #expect(attributes[.activationDate]?.dateTimeValue == 949_363_200)
        let digest = try #require(attributes[.digest])
        #expect(digest[.hashingAlgorithm]?.enumerationValue == KMIPHashingAlgorithm.sha256.rawValue)
        #expect(digest[.digestValue]?.bytesValue == Array(SHA256.hash(data: Self.material)))
        #expect(digest[.keyFormatType]?.enumerationValue == KMIPKeyFormatType.raw.rawValue)
        // In the future: Pre-Active until then. Created with one in the past: Active, and it encrypts at once (CS-BC-M-1-14).
        let future = try await Self.register(session, [TTLVItem(.activationDate, .dateTime(Int64(Date().timeIntervalSince1970) + 3600))])
        #expect(try await Self.attributes(session, future)[.state]?.enumerationValue == KMIPState.preActive.rawValue)
        let created = try await session.send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                     TTLVItem(.cryptographicLength, .integer(128)),
                                     TTLVItem(.activationDate, .dateTime(Int64(Date().timeIntervalSince1970) - 3600))]),
        ])
        let key = try #require(created.payload?[.uniqueIdentifier]?.textValue)
        let encrypted = try await session.send(.encrypt, [Self.uid(key), .structure(.cryptographicParameters, [
            TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))]), TTLVItem(.data, .byteString(Array("data".utf8)))])
        #expect(encrypted.resultStatus == .success, "\(encrypted)")
    }

    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func missingAndDestroyedObjectsAreNamedAsEachVersionNamesThem(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        // BL-M-4-21: an identifier that was never given.
        let missing = try await session.send(.get, [Self.uid("AAABBBCCC")])
        #expect(missing.resultStatus == .operationFailed && missing.resultReason == (version >= .v2_0 ? .objectNotFound : .itemNotFound))
        // BL-M-8-21: destroyed, its attributes stay (State Destroyed, a Destroy Date); its key does not.
        let key = try await Self.register(session, [.structure(.name, [TTLVItem(.nameValue, .textString("gone")), TTLVItem(.nameType, .enumeration(1))])])
        #expect(try await session.send(.destroy, [Self.uid(key)]).resultStatus == .success)
        let kept = try await session.send(.getAttributes, [Self.uid(key)])
        #expect(kept.resultStatus == .success, "\(kept)")
        let state = version >= .v2_0 ? kept.payload?[.attributes]?[.state]?.enumerationValue
            : kept.payload?.all(.attribute).first { $0[.attributeName]?.textValue == "State" }?[.attributeValue]?.enumerationValue
        #expect(state == KMIPState.destroyed.rawValue)
        let get = try await session.send(.get, [Self.uid(key)])
        #expect(get.resultStatus == .operationFailed && get.resultReason == (version >= .v2_0 ? .objectDestroyed : .itemNotFound), "\(get)")
        let again = try await session.send(.destroy, [Self.uid(key)])
        #expect(again.resultStatus == .operationFailed)
        // The digest of material that no longer exists goes with it; a compromise is still recorded (Destroyed Compromised).
        let afterDestroy = "\(try await session.send(.getAttributes, [Self.uid(key)]))"
        #expect(!afterDestroy.contains("digestValue"), "\(afterDestroy.prefix(300))")
        let compromised = try await session.send(.revoke, [Self.uid(key), .structure(.revocationReason, [
            TTLVItem(.revocationReasonCode, .enumeration(KMIPRevocationReasonCode.keyCompromise.rawValue))])])
        #expect(compromised.resultStatus == .success, "\(compromised)")
        let compromisedState = version >= .v2_0
            ? try await session.send(.getAttributes, [Self.uid(key)]).payload?[.attributes]?[.state]?.enumerationValue
            : try await session.send(.getAttributes, [Self.uid(key)]).payload?.all(.attribute).first { $0[.attributeName]?.textValue == "State" }?[.attributeValue]?.enumerationValue
        #expect(compromisedState == KMIPState.destroyedCompromised.rawValue)
        // Locate leaves it out unless the Storage Status Mask asks for destroyed objects.
        let name = KMIPClientFlowTests.attribute("Name", .structure([TTLVItem(.nameValue, .textString("gone")), TTLVItem(.nameType, .enumeration(1))]))
        let byName = version >= .v2_0 ? [TTLVItem.structure(.attributes, [.structure(.name, [TTLVItem(.nameValue, .textString("gone"))])])] : [name]
        #expect(try await session.send(.locate, byName).payload?.all(.uniqueIdentifier).isEmpty == true)
        let withDestroyed = try await session.send(.locate, byName + [TTLVItem(.storageStatusMask, .integer(0x5))])
        #expect(withDestroyed.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [key], "\(withDestroyed)")
    }

    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func checkComparesTheUsageMask(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        // BL-M-3-21: a key that may decrypt only.
        let key = try await Self.register(session, [TTLVItem(.cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.decrypt.rawValue)))])
        let fine = try await session.send(.check, [Self.uid(key), TTLVItem(.cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.decrypt.rawValue)))])
        #expect(fine.resultStatus == .success && fine.payload?.children.map(\.tag) == [.uniqueIdentifier], "\(fine)")
        let refused = try await session.send(.check, [Self.uid(key), TTLVItem(.cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.encrypt.rawValue)))])
        #expect(refused.resultStatus == .operationFailed
                && refused.resultReason == (version >= .v2_0 ? .incompatibleCryptographicUsageMask : .permissionDenied), "\(refused)")
        // Leases, polls and cancels are not served: said so, per item.
        for operation in [KMIPOperation.obtainLease, .poll, .cancel] {
            let answer = try await session.send(operation, [Self.uid(key)])
            #expect(answer.resultStatus == .operationFailed && answer.resultReason == .operationNotSupported, "\(operation): \(answer)")
        }
    }

    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func locateMatchesEveryAttributeGiven(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        func make(_ algorithm: KMIPCryptographicAlgorithm, _ length: Int32, name: String, mask: KMIPCryptographicUsageMask) async throws -> String {
            let created = try await session.send(.create, [
                TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
                .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm.rawValue)), TTLVItem(.cryptographicLength, .integer(length)),
                                         TTLVItem(.cryptographicUsageMask, .integer(Int32(mask.rawValue | KMIPCryptographicUsageMask.decrypt.rawValue))),
                                         .structure(.name, [TTLVItem(.nameValue, .textString(name)), TTLVItem(.nameType, .enumeration(1))])]),
            ])
            return try #require(created.payload?[.uniqueIdentifier]?.textValue, "\(created)")
        }
        let big = try await make(.aes, 256, name: "big", mask: .encrypt)
        let small = try await make(.aes, 128, name: "small", mask: .encrypt)
        let mac = try await make(.hmacSha256, 256, name: "mac", mask: .macGenerate)
        func locate(_ filters: [(String, TTLVTag, TTLVValue)]) async throws -> Set<String> {
            let payload: [TTLVItem] = version >= .v2_0
                ? [.structure(.attributes, filters.map { TTLVItem($0.1, $0.2) })]
                : filters.map { KMIPClientFlowTests.attribute($0.0, $0.2) }
            let answer = try await session.send(.locate, payload)
            #expect(answer.resultStatus == .success, "\(answer)")
            return Set(answer.payload?.all(.uniqueIdentifier).compactMap(\.textValue) ?? [])
        }
        let aes = ("Cryptographic Algorithm", TTLVTag.cryptographicAlgorithm, TTLVValue.enumeration(KMIPCryptographicAlgorithm.aes.rawValue))
        #expect(try await locate([aes]) == [big, small])
        #expect(try await locate([aes, ("Cryptographic Length", .cryptographicLength, .integer(128))]) == [small])
        #expect(try await locate([("Cryptographic Length", .cryptographicLength, .integer(256))]) == [big, mac])
        // A usage mask: the keys allowing every bit asked.
        #expect(try await locate([("Cryptographic Usage Mask", .cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.encrypt.rawValue)))]) == [big, small])
        #expect(try await locate([("Name", .name, .structure([TTLVItem(.nameValue, .textString("mac"))]))]) == [mac])
        // An attribute no object has (no Activation Date was set): nothing matches, rather than everything.
        #expect(try await locate([aes, ("Activation Date", .activationDate, .dateTime(949_363_200))]).isEmpty)
        // Two Initial Dates: a range.
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try await locate([("Initial Date", .initialDate, .dateTime(now - 600)), ("Initial Date", .initialDate, .dateTime(now + 600))]).count == 3)
    }

    @Test func kmip1xAttributeAnswersCarryTheAttributeIndex() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let key = try await Self.register(session, [])
        func change(_ operation: KMIPOperation, _ attribute: [TTLVItem]) async throws -> Int32? {
            let answer = try await session.send(operation, [Self.uid(key), .structure(.attribute, attribute)])
            #expect(answer.resultStatus == .success, "\(answer)")
            return answer.payload?[.attribute]?[.attributeIndex]?.integerValue
        }
        let name = { (text: String) in TTLVItem(.attributeValue, .structure([TTLVItem(.nameValue, .textString(text)), TTLVItem(.nameType, .enumeration(1))])) }
        #expect(try await change(.addAttribute, [TTLVItem(.attributeName, .textString("Name")), name("first")]) == 0)
        #expect(try await change(.addAttribute, [TTLVItem(.attributeName, .textString("Name")), name("second")]) == 1)
        #expect(try await change(.modifyAttribute, [TTLVItem(.attributeName, .textString("Name")), TTLVItem(.attributeIndex, .integer(1)), name("twice")]) == 1)
        #expect(try await change(.deleteAttribute, [TTLVItem(.attributeName, .textString("Name")), TTLVItem(.attributeIndex, .integer(0))]) == 0)
        #expect(try await change(.addAttribute, [TTLVItem(.attributeName, .textString("x-tier")), TTLVItem(.attributeValue, .textString("gold"))]) == 0)
    }

    @Test func encryptFallsBackToTheKeysParametersAndTransparentKeysRoundTrip() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        // A key made with its own parameters (CBC, PKCS5): Encrypt and Decrypt need name none of them.
        let key = try await Self.register(session, [
            TTLVItem(.activationDate, .dateTime(949_363_200)),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.cbc.rawValue)),
                                                  TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pkcs5.rawValue))]),
        ], format: .transparentSymmetricKey)
        let iv = [UInt8](repeating: 7, count: 16)
        let encrypted = try await session.send(.encrypt, [Self.uid(key), TTLVItem(.data, .byteString(Array("seventeen bytes!!".utf8))),
                                                         TTLVItem(.ivCounterNonce, .byteString(iv))])
        #expect(encrypted.resultStatus == .success, "\(encrypted)")
        let ciphertext = try #require(encrypted.payload?[.data]?.bytesValue)
        #expect(ciphertext.count == 32, "padded to two blocks")
        let decrypted = try await session.send(.decrypt, [Self.uid(key), TTLVItem(.data, .byteString(ciphertext)), TTLVItem(.ivCounterNonce, .byteString(iv))])
        #expect(decrypted.payload?[.data]?.bytesValue == Array("seventeen bytes!!".utf8))
        #expect(try await Self.attributes(session, key)[.cryptographicParameters]?[.blockCipherMode]?.enumerationValue == KMIPBlockCipherMode.cbc.rawValue)
        // Registered as a Transparent Symmetric Key: given back so by default, and as Raw when asked.
        let transparent = try await session.send(.get, [Self.uid(key)])
        let block = transparent.payload?[.symmetricKey]?[.keyBlock]
        #expect(block?[.keyFormatType]?.enumerationValue == KMIPKeyFormatType.transparentSymmetricKey.rawValue)
        #expect(block?[.keyValue]?[.keyMaterial]?[.key]?.bytesValue == Self.material, "\(transparent)")
        let raw = try await session.send(.get, [Self.uid(key), TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.raw.rawValue))])
        #expect(raw.payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue == Self.material)
        // An AES key is not labelled as a format it is not in.
        let mislabelled = try await session.send(.get, [Self.uid(key), TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.pkcs1.rawValue))])
        #expect(mislabelled.resultStatus == .operationFailed && mislabelled.resultReason == .keyFormatTypeNotSupported, "\(mislabelled)")
        // A key dated in the future is not yet Active: its ReKey replacement is not Active either.
        let later = try await Self.register(session, [TTLVItem(.activationDate, .dateTime(Int64(Date().timeIntervalSince1970) + 3600))])
        let replaced = try await session.send(.rekey, [Self.uid(later)])
        let replacement = try #require(replaced.payload?[.uniqueIdentifier]?.textValue, "\(replaced)")
        #expect(try await Self.attributes(session, replacement)[.state]?.enumerationValue == KMIPState.preActive.rawValue)
    }
}

/// Opaque objects and X.509 certificates: registered, given back byte for
/// byte, with their attributes (Certificate Type, X.509 Certificate
/// Identifier, Subject and Issuer) and a Digest of their value.
@Suite struct KMIPObjectTypesTests {
    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func opaqueObjectsAndCertificatesComeBackAsRegistered(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let blob: [UInt8] = Array("a vendor's opaque blob".utf8)
        let opaque = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.opaqueData.rawValue)),
            .structure(.opaqueObject, [TTLVItem(.opaqueDataType, .enumeration(0x8000_0001)), TTLVItem(.opaqueDataValue, .byteString(blob))]),
        ])
        let opaqueUID = try #require(opaque.payload?[.uniqueIdentifier]?.textValue, "\(opaque)")
        let gotOpaque = try await session.send(.get, [KMIPProfileAnswersTests.uid(opaqueUID)])
        #expect(gotOpaque.payload?[.opaqueObject]?[.opaqueDataValue]?.bytesValue == blob)
        #expect(gotOpaque.payload?[.opaqueObject]?[.opaqueDataType]?.enumerationValue == 0x8000_0001)

        let authority = try CertificateAuthority.create(subject: try DistinguishedName(rfc4514: "CN=Storage Array CA,O=Acme"),
                                                        notBefore: Date(), notAfter: Date() + 86_400)
        let der = authority.certificate.derBytes
        let certificate = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.certificate.rawValue)),
            .structure(.certificate, [TTLVItem(.certificateType, .enumeration(1)), TTLVItem(.certificateValue, .byteString(der))]),
        ])
        let certificateUID = try #require(certificate.payload?[.uniqueIdentifier]?.textValue, "\(certificate)")
        let gotCertificate = try await session.send(.get, [KMIPProfileAnswersTests.uid(certificateUID)])
        #expect(gotCertificate.payload?[.certificate]?[.certificateValue]?.bytesValue == der)
        let payload = try #require(try await session.send(.getAttributes, [KMIPProfileAnswersTests.uid(certificateUID)]).payload)
        func attribute(_ name: String, _ tag: TTLVTag) -> TTLVItem? {
            version >= .v2_0 ? payload[.attributes]?[tag]
                : payload.all(.attribute).first { $0[.attributeName]?.textValue == name }?[.attributeValue]
        }
        #expect(attribute("Certificate Type", .certificateType)?.enumerationValue == 1)
        #expect(attribute("X.509 Certificate Identifier", .x509CertificateIdentifier)?[.certificateSerialNumber]?.bytesValue
                == Array(authority.certificate.serialNumber.bytes), "\(payload)")
        #expect(attribute("Digest", .digest)?[.digestValue]?.bytesValue == Array(SHA256.hash(data: der)))
        // Found by type; garbage is not a certificate.
        let located = try await session.send(.locate, version >= .v2_0
            ? [.structure(.attributes, [TTLVItem(.objectType, .enumeration(KMIPObjectType.certificate.rawValue))])]
            : [KMIPClientFlowTests.attribute("Object Type", .enumeration(KMIPObjectType.certificate.rawValue))])
        #expect(located.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [certificateUID])
        let garbage = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.certificate.rawValue)),
            .structure(.certificate, [TTLVItem(.certificateType, .enumeration(1)), TTLVItem(.certificateValue, .byteString([0x30, 0x00]))]),
        ])
        #expect(garbage.resultStatus == .operationFailed && garbage.resultReason == .invalidField, "\(garbage)")
    }
}
