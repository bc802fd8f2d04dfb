import Crypto
import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

extension Operations {
    /// Hash: a digest of the client's data with the hashing algorithm named (no key involved).
    func kmipHash(_ data: [UInt8], algorithm: KMIPHashingAlgorithm, caller: Caller) async throws -> [UInt8] {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipHash, caller: caller, tenant: tenant, service: service) { _ in
            switch algorithm {
            case .sha1: Array(Insecure.SHA1.hash(data: data))
            case .sha256: Array(SHA256.hash(data: data))
            case .sha384: Array(SHA384.hash(data: data))
            case .sha512: Array(SHA512.hash(data: data))
            default: throw KMIPOperationError(.featureNotSupported, "Hash serves SHA-1, SHA-256, SHA-384 and SHA-512")
            }
        }
    }

    /// RNG Retrieve: `count` bytes from the server's generator (the operating system's CSPRNG, as keys made here).
    func kmipRandomBytes(_ count: Int, caller: Caller) async throws -> [UInt8] {
        let (tenant, service) = try kmipScope(caller)
        return try await perform(.kmipRNGRetrieve, caller: caller, tenant: tenant, service: service, key: String(count)) { _ in
            SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
        }
    }

    /// Log (KMIP 2.x): the client's message, kept in the audit log under the caller's identity and
    /// correlation id. It goes in the entry's key prefixed `log:` (no object's identifier starts so, so a
    /// message cannot pass for an entry about another object), control characters replaced, at most 256
    /// characters.
    func kmipLog(_ message: String, caller: Caller) async throws {
        let (tenant, service) = try kmipScope(caller)
        let text = String(String.UnicodeScalarView(message.unicodeScalars.prefix(256).map { $0.properties.generalCategory == .control ? " " : $0 }))
        try await perform(.kmipLog, caller: caller, tenant: tenant, service: service, key: "log:" + text) { _ in }
    }
}
