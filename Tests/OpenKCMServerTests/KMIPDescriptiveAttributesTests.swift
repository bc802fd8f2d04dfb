import Crypto
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMPKI
import OpenKCMServer
import OpenKCMTestSupport
import X509

/// The attributes clients describe and protect objects with: Application
/// Specific Information (several, Locate by namespace), Contact
/// Information, the SKLC dates, Sensitive and Extractable (enforced on Get,
/// one way only, with Always Sensitive and Never Extractable), and the
/// Random Number Generator of material made here.
@Suite struct KMIPDescriptiveAttributesTests {
    static func information(_ namespace: String, _ data: String) -> TTLVItem {
        .structure(.applicationSpecificInformation, [TTLVItem(.applicationNamespace, .textString(namespace)), TTLVItem(.applicationData, .textString(data))])
    }

    @Test func kmip2AttributesAreKeptLocatedAndEnforced() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let created = try await session.send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                     TTLVItem(.cryptographicLength, .integer(256)), Self.information("ssl", "www.example.com"),
                                     Self.information("mongodb", "orders"), TTLVItem(.contactInformation, .textString("secops@example.com")),
                                     TTLVItem(.protectStopDate, .dateTime(2_000_000_000)), TTLVItem(.sensitive, .boolean(true))]),
        ])
        let uid = try #require(created.payload?[.uniqueIdentifier]?.textValue, "\(created)")
        _ = try await session.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        let attributes = try await KMIPProfileAnswersTests.attributes(session, uid)
        #expect(attributes.all(.applicationSpecificInformation).count == 2)
        #expect(attributes[.contactInformation]?.textValue == "secops@example.com")
        #expect(attributes[.protectStopDate]?.dateTimeValue == 2_000_000_000)
        #expect(attributes[.sensitive]?.booleanValue == true && attributes[.alwaysSensitive]?.booleanValue == true)
        #expect(attributes[.extractable]?.booleanValue == true && attributes[.neverExtractable]?.booleanValue == false)
        #expect(attributes[.randomNumberGenerator]?[.rngAlgorithm]?.enumerationValue == KMIPRNGAlgorithm.unspecified.rawValue)

        // Locate by namespace alone (a structure matches on the fields given).
        let located = try await session.send(.locate, [.structure(.attributes, [
            .structure(.applicationSpecificInformation, [TTLVItem(.applicationNamespace, .textString("mongodb"))])])])
        #expect(located.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [uid])
        let none = try await session.send(.locate, [.structure(.attributes, [
            .structure(.applicationSpecificInformation, [TTLVItem(.applicationNamespace, .textString("vsphere"))])])])
        #expect(none.payload?.all(.uniqueIdentifier).isEmpty == true)

        // Sensitive: not in the clear; it stays Sensitive.
        let clear = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        #expect(clear.resultStatus == .operationFailed && clear.resultReason == .sensitive, "\(clear)")
        let unset = try await session.send(.setAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.newAttribute, [TTLVItem(.sensitive, .boolean(false))])])
        #expect(unset.resultReason == .attributeReadOnly, "\(unset)")
        // Not Extractable: not at all, wrapped or not.
        let sealed = try await session.send(.setAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.newAttribute, [TTLVItem(.extractable, .boolean(false))])])
        #expect(sealed.resultStatus == .success, "\(sealed)")
        let kek = try await KMIPCipherVectorTests.register(session, .aes, Array(0..<32))
        let wrapped = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.keyWrappingSpecification, [
            TTLVItem(.wrappingMethod, .enumeration(KMIPWrappingMethod.encrypt.rawValue)),
            .structure(.encryptionKeyInformation, [TTLVItem(.uniqueIdentifier, .textString(kek))])])])
        #expect(wrapped.resultReason == .notExtractable, "\(wrapped)")
        // It still encrypts: use is not export.
        let encrypted = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.cryptographicParameters, [
            TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))]), TTLVItem(.data, .byteString([1, 2, 3]))])
        #expect(encrypted.resultStatus == .success, "\(encrypted)")
        // A registered key's material was not made here: no Random Number Generator.
        let kekAttributes = try await KMIPProfileAnswersTests.attributes(session, kek)
        #expect(kekAttributes[.randomNumberGenerator] == nil)
        #expect(kekAttributes[.shortUniqueIdentifier]?.bytesValue == Array(SHA256.hash(data: Array(kek.utf8))))
        #expect(kekAttributes[.keyFormatType]?.enumerationValue == KMIPKeyFormatType.raw.rawValue && kekAttributes[.originalCreationDate] != nil)
        // A compromise keeps its reason and dates.
        let revoked = try await session.send(.revoke, [TTLVItem(.uniqueIdentifier, .textString(uid)),
            .structure(.revocationReason, [TTLVItem(.revocationReasonCode, .enumeration(KMIPRevocationReasonCode.keyCompromise.rawValue)),
                                           TTLVItem(.revocationMessage, .textString("laptop stolen"))]),
            TTLVItem(.compromiseOccurrenceDate, .dateTime(1_700_000_000))])
        #expect(revoked.resultStatus == .success, "\(revoked)")
        let after = try await KMIPProfileAnswersTests.attributes(session, uid)
        #expect(after[.revocationReason]?[.revocationReasonCode]?.enumerationValue == KMIPRevocationReasonCode.keyCompromise.rawValue)
        #expect(after[.revocationReason]?[.revocationMessage]?.textValue == "laptop stolen")
        #expect(after[.compromiseOccurrenceDate]?.dateTimeValue == 1_700_000_000 && after[.compromiseDate] != nil)
        #expect(after[.state]?.enumerationValue == KMIPState.compromised.rawValue)
    }

    @Test func theSKLCDatesBoundProtectionAndProcessing() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        // CS-BC-M-14-21: protection stopped an hour ago, processing starts in an hour.
        let now = Int64(Date().timeIntervalSince1970)
        let uid = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.activationDate, .dateTime(now - 3600)),
                                                                       TTLVItem(.processStartDate, .dateTime(now + 3600)),
                                                                       TTLVItem(.protectStopDate, .dateTime(now - 3600))])
        let gcm = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))])
        let encrypted = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), gcm, TTLVItem(.data, .byteString([1]))])
        #expect(encrypted.resultReason == .wrongKeyLifecycleState, "\(encrypted)")
        let decrypted = try await session.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), gcm, TTLVItem(.data, .byteString([1])),
                                                          TTLVItem(.ivCounterNonce, .byteString([UInt8](repeating: 0, count: 12))),
                                                          TTLVItem(.authenticatedEncryptionTag, .byteString([UInt8](repeating: 0, count: 16)))])
        #expect(decrypted.resultReason == .wrongKeyLifecycleState, "\(decrypted)")
    }

    @Test func linksDescriptionsDatesAndTypedVendorAttributes() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let vendor = { (name: String, value: TTLVValue) in
            TTLVItem.structure(.attribute, [TTLVItem(.vendorIdentification, .textString("x")), TTLVItem(.attributeName, .textString(name)), TTLVItem(.attributeValue, value)])
        }
        // Registered with a text, an Integer and a Date-Time vendor attribute (TL-M-3-21).
        let uid = try await KMIPProfileAnswersTests.register(session, [vendor("ID", .textString("TL-M-3-21")), vendor("Count", .integer(0)),
                                                                       vendor("Seen", .dateTime(1_800_000_000))])
        let other = try await KMIPProfileAnswersTests.register(session, [])
        var attributes = try await KMIPProfileAnswersTests.attributes(session, uid)
        let vendors = Dictionary(uniqueKeysWithValues: attributes.all(.attribute).compactMap { item in
            item[.attributeName]?.textValue.map { ($0, item[.attributeValue]?.value) } })
        #expect(vendors["ID"] == .textString("TL-M-3-21") && vendors["Count"] == .integer(0) && vendors["Seen"] == .dateTime(1_800_000_000), "\(attributes)")
        let bumped = try await session.send(.modifyAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.newAttribute, [vendor("Count", .integer(1))])])
        #expect(bumped.resultStatus == .success, "\(bumped)")

        // TL-M-3: an Alternative Name, added and found by Locate.
        let alternative = TTLVItem.structure(.alternativeName, [TTLVItem(.alternativeNameValue, .textString("XXA012A1")),
                                                                TTLVItem(.alternativeNameType, .enumeration(1))])
        #expect(try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.newAttribute, [alternative])]).resultStatus == .success)
        let found = try await session.send(.locate, [.structure(.attributes, [alternative])])
        #expect(found.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [uid], "\(found)")

        // AX-M-1: a client adds a Link, and deletes it.
        let link = TTLVItem.structure(.link, [TTLVItem(.linkType, .enumeration(KMIPLinkType.parentLink.rawValue)), TTLVItem(.linkedObjectIdentifier, .textString(other))])
        #expect(try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.newAttribute, [link])]).resultStatus == .success)
        attributes = try await KMIPProfileAnswersTests.attributes(session, uid)
        #expect(attributes[.link]?[.linkedObjectIdentifier]?.textValue == other)
        #expect(try await session.send(.deleteAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.currentAttribute, [link])]).resultStatus == .success)
        #expect(try await KMIPProfileAnswersTests.attributes(session, uid)[.link] == nil)

        // BL-M-5-21: a Description, once; a second is Attribute Single Valued.
        let describe = { (text: String) in [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem.structure(.newAttribute, [TTLVItem(.description, .textString(text))])] }
        #expect(try await session.send(.addAttribute, describe("This is opaque")).resultStatus == .success)
        #expect(try await session.send(.addAttribute, describe("This is opaque duplicate")).resultReason == .attributeSingleValued)
        #expect(try await KMIPProfileAnswersTests.attributes(session, uid)[.description]?.textValue == "This is opaque")

        // SKLC-M-3-21: the Activation Date of an Active key is history.
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try await session.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(uid))]).resultStatus == .success)
        let activation = try await session.send(.modifyAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                                   .structure(.newAttribute, [TTLVItem(.activationDate, .dateTime(now))])])
        #expect(activation.resultReason == .wrongKeyLifecycleState, "\(activation)")
        // A Pre-Active key's Activation Date moves; set in the past, the key is Active.
        let pending = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.activationDate, .dateTime(now + 86_400))])
        #expect(try await session.send(.modifyAttribute, [TTLVItem(.uniqueIdentifier, .textString(pending)),
                                                          .structure(.newAttribute, [TTLVItem(.activationDate, .dateTime(now - 60))])]).resultStatus == .success)
        #expect(try await KMIPProfileAnswersTests.attributes(session, pending)[.state]?.enumerationValue == KMIPState.active.rawValue)
    }

    @Test func aCertificatesNamesAndLengthAreAttributes() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let authority = try CertificateAuthority.create(subject: try DistinguishedName(rfc4514: "CN=Example CA,O=Acme,C=DE"), notBefore: Date(), notAfter: Date() + 86_400)
        let der = authority.certificate.derBytes
        let registered = try await session.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.certificate.rawValue)),
                                                            .structure(.certificate, [TTLVItem(.certificateType, .enumeration(1)), TTLVItem(.certificateValue, .byteString(der))])])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        // BL-M-10-21 asks two by reference.
        let answer = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                             TTLVItem(.attributeReference, .enumeration(TTLVTag.certificateSubjectCn.rawValue)),
                                                             TTLVItem(.attributeReference, .enumeration(TTLVTag.certificateLength.rawValue))])
        let attributes = try #require(answer.payload?[.attributes], "\(answer)")
        #expect(attributes[.certificateSubjectCn]?.textValue == "Example CA")
        #expect(attributes[.certificateLength]?.integerValue == Int32(der.count))
        let all = try await KMIPProfileAnswersTests.attributes(session, uid)
        #expect(all[.certificateSubjectO]?.textValue == "Acme" && all[.certificateIssuerC]?.textValue == "DE")
    }

    @Test func kmip1xChangesByNameAndIndex() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let uid = try await KMIPProfileAnswersTests.register(session, [])
        let info = { (namespace: String, data: String) in
            TTLVValue.structure([TTLVItem(.applicationNamespace, .textString(namespace)), TTLVItem(.applicationData, .textString(data))])
        }
        for (namespace, data) in [("ssl", "a.example.com"), ("ssl", "b.example.com")] {
            let added = try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                               KMIPClientFlowTests.attribute("Application Specific Information", info(namespace, data))])
            #expect(added.resultStatus == .success, "\(added)")
        }
        let modified = try await session.send(.modifyAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)), .structure(.attribute, [
            TTLVItem(.attributeName, .textString("Application Specific Information")), TTLVItem(.attributeIndex, .integer(1)),
            TTLVItem(.attributeValue, info("ssl", "c.example.com"))])])
        #expect(modified.payload?[.attribute]?[.attributeIndex]?.integerValue == 1, "\(modified)")
        let contact = try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                             KMIPClientFlowTests.attribute("Contact Information", .textString("ops"))])
        #expect(contact.resultStatus == .success)
        let twice = try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                           KMIPClientFlowTests.attribute("Contact Information", .textString("again"))])
        #expect(twice.resultStatus == .operationFailed)
        let answer = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                             TTLVItem(.attributeName, .textString("Application Specific Information"))])
        let values = answer.payload?.all(.attribute).compactMap { $0[.attributeValue]?[.applicationData]?.textValue }
        #expect(values == ["a.example.com", "c.example.com"], "\(answer)")
        // Fresh until a Get served it.
        func fresh() async throws -> Bool? {
            try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.attributeName, .textString("Fresh"))])
                .payload?[.attribute]?[.attributeValue]?.booleanValue
        }
        #expect(try await fresh() == true)
        #expect(try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid))]).resultStatus == .success)
        #expect(try await fresh() == false)
        // Object Group Member: Fresh finds the group's members no Get has served, Default its newest member.
        let grouped = [try await KMIPProfileAnswersTests.register(session, []), try await KMIPProfileAnswersTests.register(session, [])]
        for member in grouped {
            _ = try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(member)), KMIPClientFlowTests.attribute("Object Group", .textString("tapes"))])
        }
        _ = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(grouped[1]))])
        func locate(_ member: UInt32) async throws -> [String] {
            try await session.send(.locate, [KMIPClientFlowTests.attribute("Object Group", .textString("tapes")),
                                             TTLVItem(.objectGroupMember, .enumeration(member))]).payload?.all(.uniqueIdentifier).compactMap(\.textValue) ?? []
        }
        #expect(try await locate(1) == [grouped[0]])
        #expect(try await locate(2).count == 1)
        // Sensitive and Extractable are 1.4 attributes: a 1.4 client sees them.
        let flags = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.attributeName, .textString("Extractable"))])
        #expect(flags.payload?[.attribute]?[.attributeValue]?.booleanValue == true)
    }
}
