import Crypto
import Foundation
import Testing
@testable import OpenKCMCore

/// Checks the Swift codec against the vectors published in
/// docs/envelope-format.md, which were computed by an independent Python
/// implementation (scripts/vectors/envelope_vectors.py).
@Suite struct EnvelopeVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var fields: [String: String]
        var testDescription: String { fields["title"] ?? "vector" }
        func bytes(_ name: String) -> [UInt8] { [UInt8](hex: fields[name] ?? "") ?? [] }
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/envelope-format.md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var vectors: [Vector] = []
        var current: [String: String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### Vector ") {
                if let current { vectors.append(Vector(fields: current)) }
                current = ["title": String(line.dropFirst(4))]
            } else if current != nil, let colon = line.firstIndex(of: ":"), !line.hasPrefix("```") {
                let key = String(line[..<colon])
                let value = line[line.index(after: colon)...].drop(while: { $0 == " " })
                current?[key] = String(value)
            }
        }
        if let current { vectors.append(Vector(fields: current)) }
        return vectors
    }()

    static func layer(_ name: String?) -> EnvelopeLayer? {
        EnvelopeLayer.allCases.first { $0.description == name }
    }

    static func binding(_ vector: Vector) throws -> EnvelopeBinding {
        let json = Data((vector.fields["context"] ?? "{}").utf8)
        let context = try JSONDecoder().decode([String: String].self, from: json)
        return EnvelopeBinding(tenant: vector.fields["tenant"] ?? "", service: vector.fields["service"] ?? "", context: try EncryptionContext(context),
                               subject: vector.fields["subject"])
    }

    @Test func theDocumentHasAtLeastSixVectors() {
        #expect(Self.vectors.count >= 6)
    }

    @Test(arguments: vectors)
    func sealingTheInputsGivesTheDocumentedBytes(vector: Vector) throws {
        let layer = try #require(Self.layer(vector.fields["layer"]))
        let header = EnvelopeHeader(
            layer: layer,
            keyID: try #require(KeyID(bytes: vector.bytes("key-id"))),
            keyVersion: try #require(UInt32(vector.fields["key-version"] ?? ""))
        )
        let binding = try Self.binding(vector)
        #expect(try binding.associatedData(header: header) == vector.bytes("aad"))
        let blob = try EnvelopeCipher.seal(
            vector.bytes("plaintext"),
            header: header,
            binding: binding,
            key: SymmetricKey(data: vector.bytes("wrapping-key")),
            nonce: AES.GCM.Nonce(data: vector.bytes("nonce"))
        )
        #expect(blob.hexString == vector.fields["blob"])
    }

    @Test(arguments: vectors)
    func openingTheDocumentedBytesGivesThePlaintext(vector: Vector) throws {
        let wrapped = try WrappedKey(parsing: vector.bytes("blob"))
        #expect(wrapped.header.layer == Self.layer(vector.fields["layer"]))
        #expect(wrapped.header.keyID.bytes == vector.bytes("key-id"))
        #expect(String(wrapped.header.keyVersion) == vector.fields["key-version"])
        #expect(Array(wrapped.nonce) == vector.bytes("nonce"))
        #expect(wrapped.bytes == vector.bytes("blob"))
        let plaintext = try EnvelopeCipher.open(wrapped, binding: Self.binding(vector), key: SymmetricKey(data: vector.bytes("wrapping-key")))
        #expect(Array(plaintext) == vector.bytes("plaintext"))
    }

    @Test func aSubjectVectorIsDocumented() {
        #expect(Self.vectors.contains { $0.fields["layer"] == EnvelopeLayer.l4Subject.description && $0.fields["subject"] != nil })
    }

    /// A subject-bound vector's wrapping key is the HKDF of its L3 key and subject secret.
    @Test(arguments: vectors.filter { $0.fields["subject-secret"] != nil })
    func theSubjectWrappingKeyIsDerivedAsDocumented(vector: Vector) throws {
        let derived = SubjectKeys.wrappingKey(
            l3: SymmetricKey(data: vector.bytes("l3-key")),
            subjectSecret: SymmetricKey(data: vector.bytes("subject-secret")),
            tenant: try TenantID(vector.fields["tenant"] ?? ""),
            service: try ServiceID(vector.fields["service"] ?? ""),
            subject: try SubjectID(vector.fields["subject"] ?? ""))
        #expect(derived.withUnsafeBytes { Array($0) } == vector.bytes("wrapping-key"))
    }

    @Test(arguments: vectors.filter { $0.fields["subject"] != nil })
    func openingASubjectVectorUnderAnotherSubjectFails(vector: Vector) throws {
        let wrapped = try WrappedKey(parsing: vector.bytes("blob"))
        var binding = try Self.binding(vector)
        binding.subject = (binding.subject ?? "") + "x"
        #expect(throws: EnvelopeError.authenticationFailed) {
            try EnvelopeCipher.open(wrapped, binding: binding, key: SymmetricKey(data: vector.bytes("wrapping-key")))
        }
        binding.subject = nil
        #expect(throws: EnvelopeError.authenticationFailed) {
            try EnvelopeCipher.open(wrapped, binding: binding, key: SymmetricKey(data: vector.bytes("wrapping-key")))
        }
    }

    @Test(arguments: vectors)
    func openingWithAnotherTenantFails(vector: Vector) throws {
        let wrapped = try WrappedKey(parsing: vector.bytes("blob"))
        var binding = try Self.binding(vector)
        binding.tenant += "x"
        #expect(throws: EnvelopeError.authenticationFailed) {
            try EnvelopeCipher.open(wrapped, binding: binding, key: SymmetricKey(data: vector.bytes("wrapping-key")))
        }
    }
}
