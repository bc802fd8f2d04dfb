import Crypto
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Batches (continuation options, the ID Placeholder), KMIP 2.x attribute
/// operations, ReKey, wrapped Get and short GCM tags, through the message
/// layer and the real key chain.
@Suite struct KMIPObjectOperationsTests {
    typealias Session = KMIPClientFlowTests.Session

    static func batch(_ session: Session, _ items: [(KMIPOperation, [TTLVItem])], option: KMIPBatchErrorContinuationOption? = nil) async throws -> [KMIPResponseBatchItem] {
        var header = KMIPRequestHeader(protocolVersion: session.version, batchCount: Int32(items.count))
        header.batchErrorContinuationOption = option
        let request = KMIPRequestMessage(header: header, batchItems: items.enumerated().map { index, item in
            KMIPRequestBatchItem(operation: item.0, uniqueBatchItemID: [UInt8(index)], payload: item.1)
        })
        let bytes = await session.engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: session.caller)
        let tree = try TTLVDecoder().decode(bytes)
        #expect(KMIPProtocolEngineTests.undefinedTags(tree, in: session.version).isEmpty)
        let response = try KMIPResponseMessage(tree)
        #expect(response.header.batchCount == Int32(response.batchItems.count))
        return response.batchItems
    }

    static let createAES: [TTLVItem] = [
        TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
        .structure(.attributes, [
            TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
            TTLVItem(.cryptographicLength, .integer(256)),
        ]),
    ]

    static func create(_ session: Session, usage: [KMIPCryptographicUsageMask]? = nil, name: String? = nil, activate: Bool = true) async throws -> String {
        var attributes: [TTLVItem] = [
            TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
            TTLVItem(.cryptographicLength, .integer(256)),
        ]
        if let usage { attributes.append(TTLVItem(.cryptographicUsageMask, .integer(Int32(usage.reduce(0) { $0 | $1.rawValue })))) }
        if let name { attributes.append(.structure(.name, [TTLVItem(.nameValue, .textString(name)), TTLVItem(.nameType, .enumeration(1))])) }
        let created = try await session.send(.create, [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), .structure(.attributes, attributes)])
        let uid = try #require(created.payload?[.uniqueIdentifier]?.textValue, "\(created)")
        if activate { #expect(try await session.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(uid))]).resultStatus == .success) }
        return uid
    }

    static func uid(_ uid: String) -> TTLVItem { TTLVItem(.uniqueIdentifier, .textString(uid)) }

    // MARK: Batches

    @Test func batchErrorContinuationStopContinueAndUndo() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let missing = Self.uid("00000000-0000-0000-0000-000000000000")

        // Stop, the default: nothing after the failed item is answered.
        let stopped = try await Self.batch(session, [(.create, Self.createAES), (.get, [missing]), (.activate, [])])
        #expect(stopped.map(\.resultStatus) == [.success, .operationFailed])
        #expect(stopped.map(\.uniqueBatchItemID) == [[0], [1]])

        // Continue: every item is answered; the placeholder still carries Create's identifier.
        let continued = try await Self.batch(session, [(.create, Self.createAES), (.get, [missing]), (.activate, [])], option: .continue)
        #expect(continued.map(\.resultStatus) == [.success, .operationFailed, .success])
        #expect(continued[2].payload?[.uniqueIdentifier] == continued[0].payload?[.uniqueIdentifier])

        // Undo: an earlier Create and an Activate of an existing key are reverted and answered Operation Undone.
        let existing = try await Self.create(session, activate: false)
        let before = try await session.send(.locate, []).payload?.all(.uniqueIdentifier).count
        let undone = try await Self.batch(session, [(.activate, [Self.uid(existing)]), (.create, Self.createAES), (.get, [missing])], option: .undo)
        #expect(undone.map(\.resultStatus) == [.operationUndone, .operationUndone, .operationFailed])
        // An undone item keeps only its Unique Identifier, naming what was undone (BL-M-2-21).
        #expect(undone[0].payload?.children.map(\.tag) == [.uniqueIdentifier] && undone[1].payload?.children.map(\.tag) == [.uniqueIdentifier])
        #expect(try await session.send(.locate, []).payload?.all(.uniqueIdentifier).count == before, "the undone Create left no object")
        let state = try await session.send(.getAttributes, [Self.uid(existing), TTLVItem(.attributeReference, .enumeration(TTLVTag.state.rawValue))])
        #expect(state.payload?[.attributes]?[.state]?.enumerationValue == KMIPState.preActive.rawValue, "\(state)")
    }

    @Test func theIDPlaceholderCarriesAnIdentifierThroughABatch() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let first = try await KMIPClientFlowTests.session(.v1_2, harness: harness)
        for version in [KMIPVersion.v1_2, .v2_0] {
            let session = Session(engine: first.engine, caller: first.caller, version: version)
            let create = version >= .v2_0 ? Self.createAES : [
                TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
                .structure(.templateAttribute, [KMIPClientFlowTests.attribute("Cryptographic Algorithm", .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                                KMIPClientFlowTests.attribute("Cryptographic Length", .integer(128))]),
            ]
            // KMIP 2.x may also name the placeholder: Unique Identifier Enumeration 1.
            let named: [TTLVItem] = version >= .v2_0 ? [TTLVItem(.uniqueIdentifier, .enumeration(1))] : []
            let answers = try await Self.batch(session, [(.create, create), (.activate, []), (.get, named)])
            #expect(answers.map(\.resultStatus) == [.success, .success, .success], "\(answers)")
            let created = answers[0].payload?[.uniqueIdentifier]?.textValue
            #expect(answers[2].payload?[.uniqueIdentifier]?.textValue == created)
            #expect(answers[2].payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue?.count == (version >= .v2_0 ? 32 : 16))

            // A Locate that finds several objects empties the placeholder, so the batched Get fails.
            _ = try await Self.create(session, activate: false)
            let ambiguous = try await Self.batch(session, [(.locate, []), (.get, [])], option: .continue)
            #expect(ambiguous[1].resultStatus == .operationFailed && ambiguous[1].resultReason == .invalidField, "\(ambiguous)")
            // With no earlier item, there is nothing to fall back on.
            #expect(try await session.send(.get, []).resultReason == .invalidField)
        }
    }

    @Test func queryReportsOnlyOperationsTheClientsVersionDefines() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let first = try await KMIPClientFlowTests.session(.v1_0, harness: harness)
        for version in [KMIPVersion.v1_0, .v1_2, .v2_0] {
            let session = Session(engine: first.engine, caller: first.caller, version: version)
            let answer = try await session.send(.query, [TTLVItem(.queryFunction, .enumeration(KMIPQueryFunction.queryOperations.rawValue))])
            let operations = Set(answer.payload?.all(.operation).compactMap { $0.enumerationValue.flatMap(KMIPOperation.init(rawValue:)) } ?? [])
            #expect(operations.allSatisfy { $0.introducedIn <= version }, "\(version): \(operations)")
            #expect(operations.contains(.setAttribute) == (version >= .v2_0))
            #expect(operations.contains(.encrypt) == (version >= .v1_2))
            #expect(operations.isSuperset(of: [.create, .register, .get, .getAttributes, .locate, .activate, .revoke, .destroy, .rekey, .query]))
            #expect(operations.contains(.discoverVersions) == (version >= .v1_1))
        }
    }

    // MARK: Attributes in KMIP 2.x

    @Test func kmip2AttributeOperations() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let key = try await Self.create(session, name: "orders-1", activate: false)
        func vendor(_ name: String, _ value: String? = nil) -> TTLVItem {
            .structure(.attribute, [TTLVItem(.vendorIdentification, .textString("acme")), TTLVItem(.attributeName, .textString(name))]
                       + (value.map { [TTLVItem(.attributeValue, .textString($0))] } ?? []))
        }
        func attributes() async throws -> TTLVItem? { try await session.send(.getAttributes, [Self.uid(key)]).payload?[.attributes] }

        // Add: a vendor attribute and a second Name; the answer is the identifier alone.
        let added = try await session.send(.addAttribute, [Self.uid(key), .structure(.newAttribute, [vendor("Tier", "gold")])])
        #expect(added.resultStatus == .success && added.payload?.children.map(\.tag) == [.uniqueIdentifier], "\(added)")
        #expect(try await session.send(.addAttribute, [Self.uid(key), .structure(.newAttribute, [vendor("Tier", "again")])]).resultReason == .attributeSingleValued)
        #expect(try await session.send(.addAttribute, [Self.uid(key), .structure(.newAttribute, [
            .structure(.name, [TTLVItem(.nameValue, .textString("orders-alias")), TTLVItem(.nameType, .enumeration(1))])])]).resultStatus == .success)
        var all = try await attributes()
        #expect(all?.all(.name).compactMap { $0[.nameValue]?.textValue } == ["orders-1", "orders-alias"])
        #expect(all?.all(.attribute).first?[.attributeValue]?.textValue == "gold", "\(String(describing: all))")

        // Modify: the Name picked by Current Attribute; Set: the vendor attribute.
        let modified = try await session.send(.modifyAttribute, [Self.uid(key),
            .structure(.currentAttribute, [.structure(.name, [TTLVItem(.nameValue, .textString("orders-alias")), TTLVItem(.nameType, .enumeration(1))])]),
            .structure(.newAttribute, [.structure(.name, [TTLVItem(.nameValue, .textString("orders-2")), TTLVItem(.nameType, .enumeration(1))])])])
        #expect(modified.resultStatus == .success, "\(modified)")
        #expect(try await session.send(.setAttribute, [Self.uid(key), .structure(.newAttribute, [vendor("Tier", "platinum")])]).resultStatus == .success)
        #expect(try await session.send(.setAttribute, [Self.uid(key), .structure(.newAttribute, [
            .structure(.name, [TTLVItem(.nameValue, .textString("x")), TTLVItem(.nameType, .enumeration(1))])])]).resultReason == .multiValuedAttribute)
        #expect(try await session.send(.setAttribute, [Self.uid(key), .structure(.newAttribute, [
            TTLVItem(.state, .enumeration(KMIPState.active.rawValue))])]).resultReason == .attributeReadOnly)
        all = try await attributes()
        #expect(all?.all(.name).compactMap { $0[.nameValue]?.textValue } == ["orders-1", "orders-2"])
        #expect(all?.all(.attribute).first?[.attributeValue]?.textValue == "platinum")

        // Get Attribute List names the vendor attribute by vendor and name; Get Attributes selects it so.
        let list = try await session.send(.getAttributeList, [Self.uid(key)])
        let vendorReference = list.payload?.all(.attributeReference).first { $0[.vendorIdentification] != nil }
        #expect(vendorReference?[.attributeName]?.textValue == "Tier", "\(list)")
        let selected = try await session.send(.getAttributes, [Self.uid(key), .structure(.attributeReference, [
            TTLVItem(.vendorIdentification, .textString("acme")), TTLVItem(.attributeName, .textString("Tier"))])])
        #expect(selected.payload?[.attributes]?.children.map(\.tag) == [.attribute], "\(selected)")

        // Delete: by Attribute Reference (vendor) and by Current Attribute (a Name).
        #expect(try await session.send(.deleteAttribute, [Self.uid(key), .structure(.attributeReference, [
            TTLVItem(.vendorIdentification, .textString("acme")), TTLVItem(.attributeName, .textString("Tier"))])]).resultStatus == .success)
        #expect(try await session.send(.deleteAttribute, [Self.uid(key), .structure(.currentAttribute, [
            .structure(.name, [TTLVItem(.nameValue, .textString("orders-2")), TTLVItem(.nameType, .enumeration(1))])])]).resultStatus == .success)
        #expect(try await session.send(.deleteAttribute, [Self.uid(key), .structure(.attributeReference, [
            TTLVItem(.vendorIdentification, .textString("acme")), TTLVItem(.attributeName, .textString("Tier"))])]).resultReason == .attributeNotFound)
        all = try await attributes()
        #expect(all?.all(.name).compactMap { $0[.nameValue]?.textValue } == ["orders-1"] && all?[.attribute] == nil)

        // A 1.x client sees the same vendor attribute as a custom attribute, and cannot Set Attribute.
        let old = Session(engine: session.engine, caller: session.caller, version: .v1_4)
        #expect(try await old.send(.addAttribute, [Self.uid(key), KMIPClientFlowTests.attribute("x-Owner", .textString("team-a"))]).resultStatus == .success)
        let seen = try await session.send(.getAttributes, [Self.uid(key)])
        let owner = seen.payload?[.attributes]?.all(.attribute).first { $0[.vendorIdentification]?.textValue == "x" }
        #expect(owner?[.attributeName]?.textValue == "Owner" && owner?[.attributeValue]?.textValue == "team-a", "\(seen)")
        #expect(try await old.send(.setAttribute, [Self.uid(key)]).resultReason == .operationNotSupported)
    }

    @Test func concurrentAttributeChangesToOneObjectAreAllKept() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let key = try await Self.create(session, activate: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let answer = try await session.send(.addAttribute, [Self.uid(key), KMIPClientFlowTests.attribute("x-Label\(index)", .textString("\(index)"))])
                    #expect(answer.resultStatus == .success)
                }
            }
            try await group.waitForAll()
        }
        let list = try await session.send(.getAttributeList, [Self.uid(key)])
        #expect(list.payload?.all(.attributeName).filter { $0.textValue?.hasPrefix("x-Label") == true }.count == 40)
    }

    // MARK: ReKey

    @Test func reKeyReplacesAKeyAndLinksTheTwo() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let first = try await KMIPClientFlowTests.session(.v1_2, harness: harness)
        for version in [KMIPVersion.v1_2, .v2_0] {
            let session = Session(engine: first.engine, caller: first.caller, version: version)
            let name = "payments-\(version)"
            let old = try await Self.create(session, usage: [.encrypt, .decrypt], name: name)
            let answer = try await session.send(.rekey, [Self.uid(old)])
            let new = try #require(answer.payload?[.uniqueIdentifier]?.textValue, "\(answer)")
            #expect(new != old)

            let oldMaterial = try await session.send(.get, [Self.uid(old)]).payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue
            let newMaterial = try await session.send(.get, [Self.uid(new)]).payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue
            #expect(newMaterial?.count == 32 && newMaterial != oldMaterial)

            // The replacement is Active, took the name, and the two are linked.
            let located = try await session.send(.locate, version >= .v2_0
                ? [.structure(.attributes, [.structure(.name, [TTLVItem(.nameValue, .textString(name)), TTLVItem(.nameType, .enumeration(1))])])]
                : [KMIPClientFlowTests.attribute("Name", .structure([TTLVItem(.nameValue, .textString(name)), TTLVItem(.nameType, .enumeration(1))]))])
            #expect(located.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [new], "\(located)")
            func links(_ uid: String) async throws -> [(UInt32?, String?)] {
                let answer = try await session.send(.getAttributes, [Self.uid(uid)])
                let items = version >= .v2_0 ? (answer.payload?[.attributes]?.all(.link) ?? [])
                    : (answer.payload?.all(.attribute).filter { $0[.attributeName]?.textValue == "Link" }.compactMap { $0[.attributeValue] } ?? [])
                return items.map { ($0[.linkType]?.enumerationValue, $0[.linkedObjectIdentifier]?.textValue) }
            }
            #expect(try await links(old).map(\.0) == [KMIPLinkType.replacementObjectLink.rawValue])
            #expect(try await links(old).map(\.1) == [new])
            #expect(try await links(new).map(\.0) == [KMIPLinkType.replacedObjectLink.rawValue])
            let encrypted = try await session.send(.encrypt, [Self.uid(new), .structure(.cryptographicParameters, [
                TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))]), TTLVItem(.data, .byteString([1, 2, 3]))])
            #expect(encrypted.resultStatus == .success, "\(encrypted)")

            // A Pre-Active key's replacement is Pre-Active; the placeholder carries the new identifier.
            let pending = try await Self.create(session, activate: false)
            let batch = try await Self.batch(session, [(.rekey, [Self.uid(pending)]), (.getAttributes, [])])
            let state = version >= .v2_0 ? batch[1].payload?[.attributes]?[.state]
                : batch[1].payload?.all(.attribute).first { $0[.attributeName]?.textValue == "State" }?[.attributeValue]
            #expect(state?.enumerationValue == KMIPState.preActive.rawValue, "\(batch)")
            #expect(batch[1].payload?[.uniqueIdentifier] == batch[0].payload?[.uniqueIdentifier])
        }
    }

    // MARK: Wrapped Get

    static func wrapping(_ kek: String, mode: KMIPBlockCipherMode? = nil, encoding: KMIPEncodingOption? = nil) -> TTLVItem {
        var information: [TTLVItem] = [Self.uid(kek)]
        if let mode { information.append(.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(mode.rawValue))])) }
        var children: [TTLVItem] = [TTLVItem(.wrappingMethod, .enumeration(KMIPWrappingMethod.encrypt.rawValue)), .structure(.encryptionKeyInformation, information)]
        if let encoding { children.append(TTLVItem(.encodingOption, .enumeration(encoding.rawValue))) }
        return .structure(.keyWrappingSpecification, children)
    }

    @Test func getWrapsAKeyUnderAnotherOfTheCallersKeys() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let kek = try await Self.create(session, usage: [.wrapKey, .unwrapKey])
        let key = try await Self.create(session, usage: [.encrypt, .decrypt])
        func material(_ uid: String) async throws -> [UInt8] {
            try #require(try await session.send(.get, [Self.uid(uid)]).payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue)
        }
        let kekBytes = SymmetricKey(data: try await material(kek))
        let clear = try await material(key)

        // Default: NIST Key Wrap (RFC 3394) of the TTLV-encoded Key Value.
        let wrapped = try await session.send(.get, [Self.uid(key), Self.wrapping(kek)])
        let block = try #require(wrapped.payload?[.symmetricKey]?[.keyBlock], "\(wrapped)")
        #expect(block[.keyWrappingData]?[.encryptionKeyInformation]?[.uniqueIdentifier]?.textValue == kek)
        #expect(block[.keyWrappingData]?[.encryptionKeyInformation]?[.cryptographicParameters]?[.blockCipherMode]?.enumerationValue == KMIPBlockCipherMode.nistKeyWrap.rawValue)
        let ttlv = try AES.KeyWrap.unwrap(try #require(block[.keyValue]?.bytesValue), using: kekBytes).withUnsafeBytes { Array($0) }
        #expect(try TTLVDecoder().decode(ttlv)[.keyMaterial]?.bytesValue == clear)

        // No Encoding with AES Key Wrap Padding (RFC 5649): the raw key.
        let padded = try await session.send(.get, [Self.uid(key), Self.wrapping(kek, mode: .aesKeyWrapPadding, encoding: .noEncoding)])
        let paddedBytes = try #require(padded.payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?.bytesValue, "\(padded)")
        #expect(Array(try AESKeyWrapWithPadding.unwrap(paddedBytes, using: kekBytes)) == clear)

        // Refused: a key without Wrap Key usage, a Pre-Active wrapping key, an unknown one, and a MAC wrapping.
        #expect(try await session.send(.get, [Self.uid(key), Self.wrapping(key == kek ? "" : try await Self.create(session, usage: [.encrypt]))]).resultReason == .permissionDenied)
        #expect(try await session.send(.get, [Self.uid(key), Self.wrapping(try await Self.create(session, activate: false))]).resultReason == .permissionDenied)
        #expect(try await session.send(.get, [Self.uid(key), Self.wrapping("00000000-0000-0000-0000-000000000000")]).resultReason == .itemNotFound)
        #expect(try await session.send(.get, [Self.uid(key), .structure(.keyWrappingSpecification, [
            TTLVItem(.wrappingMethod, .enumeration(KMIPWrappingMethod.macSign.rawValue))])]).resultReason == .featureNotSupported)
        #expect(try await session.send(.get, [Self.uid(key), Self.wrapping(key)]).resultReason == .illegalOperation)
    }

    // MARK: GCM tag lengths

    @Test func gcmTagsOfTwelveToSixteenBytes() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let key = try await Self.create(session, usage: [.encrypt, .decrypt])
        let material = try #require(try await session.send(.get, [Self.uid(key)]).payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue)
        let plaintext = Array("short tags are still GCM".utf8)
        let aad: [UInt8] = [9, 8, 7]
        for length: Int32 in [12, 13, 14, 15, 16] {
            let parameters = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue)),
                                                                           TTLVItem(.tagLength, .integer(length))])
            let encrypted = try await session.send(.encrypt, [Self.uid(key), parameters, TTLVItem(.data, .byteString(plaintext)),
                                                              TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(aad))])
            let ciphertext = try #require(encrypted.payload?[.data]?.bytesValue, "\(encrypted)")
            let nonce = try #require(encrypted.payload?[.ivCounterNonce]?.bytesValue)
            let tag = try #require(encrypted.payload?[.authenticatedEncryptionTag]?.bytesValue)
            #expect(tag.count == Int(length))
            // The tag is the leading bytes of the full GCM tag over the same input.
            let full = try AES.GCM.seal(plaintext, using: SymmetricKey(data: material), nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
            #expect(Array(full.tag.prefix(Int(length))) == tag)
            func decrypt(_ tag: [UInt8], aad: [UInt8] = aad) async throws -> KMIPResponseBatchItem {
                try await session.send(.decrypt, [Self.uid(key), parameters, TTLVItem(.data, .byteString(ciphertext)), TTLVItem(.ivCounterNonce, .byteString(nonce)),
                                                  TTLVItem(.authenticatedEncryptionTag, .byteString(tag)), TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(aad))])
            }
            #expect(try await decrypt(tag).payload?[.data]?.bytesValue == plaintext)
            var forged = tag
            forged[forged.count - 1] ^= 1
            #expect(try await decrypt(forged).resultReason == .cryptographicFailure)
            #expect(try await decrypt(tag, aad: [1]).resultReason == .cryptographicFailure)
        }
        let tooShort = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue)), TTLVItem(.tagLength, .integer(8))])
        // General Failure, as CS-BC-M-GCM-1-21 answers a Tag Length out of range.
        #expect(try await session.send(.encrypt, [Self.uid(key), tooShort, TTLVItem(.data, .byteString(plaintext))]).resultReason == .generalFailure)
    }
}
