public import Crypto
public import Foundation

/// The barrier's rotated record keys, sealed under a key derived from the
/// MasterKey at ``storageKey`` (outside the record index, which the keys
/// themselves seal). Term 1 is derived from the MasterKey and never listed;
/// each rotation adds a random term and makes it active. Old terms stay, so
/// a record not yet re-encrypted (or written by a replica that has not read
/// the keyring again) still opens.
///
/// Someone who can write the store but has no MasterKey can put back an older
/// keyring: records of the missing terms then fail to open (refused, never
/// served wrong), and no key is learnt; see docs/architecture.md.
public struct BarrierKeyring: Sendable, Codable {
    public static let storageKey = "barrier/keyring"
    /// At most this many terms: a rotation a day for over a decade.
    public static let maximumTerms = 4096

    public struct Term: Sendable, Codable {
        public var term: UInt32
        /// The term's 256-bit key.
        var material: SymmetricKey
        public var installedAt: Date
        /// When every record written before it was re-encrypted under it; nil while that runs.
        public var reencryptedAt: Date?

        enum CodingKeys: String, CodingKey { case term, material, installedAt, reencryptedAt }

        init(term: UInt32, material: SymmetricKey, installedAt: Date) {
            self.term = term
            self.material = material
            self.installedAt = installedAt
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            term = try container.decode(UInt32.self, forKey: .term)
            var bytes = try container.decode(Data.self, forKey: .material)
            defer { bytes.resetBytes(in: 0..<bytes.count) }
            guard bytes.count == 32, term > 1 else {
                throw DecodingError.dataCorruptedError(forKey: .material, in: container, debugDescription: "a barrier term is a 256-bit key numbered from 2")
            }
            material = SymmetricKey(data: bytes)
            installedAt = try container.decode(Date.self, forKey: .installedAt)
            reencryptedAt = try container.decodeIfPresent(Date.self, forKey: .reencryptedAt)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(term, forKey: .term)
            try material.withUnsafeBytes { try container.encode(Data($0), forKey: .material) }
            try container.encode(installedAt, forKey: .installedAt)
            try container.encodeIfPresent(reencryptedAt, forKey: .reencryptedAt)
        }
    }

    /// The term that seals new records.
    public var active: UInt32
    /// Every rotated term (2, 3, ...) still open, oldest first.
    public var terms: [Term]
    /// Records of older terms are refused: once every record was re-encrypted
    /// under a term, the terms before it (term 1, derived from the MasterKey,
    /// included) are retired and their keys dropped, so a leaked old record key
    /// can neither read the store nor forge a record in it. Nil: none retired.
    public var oldestOpenTerm: UInt32?

    public init() {
        active = 1
        terms = []
    }

    /// Marks `term` re-encrypted at `now` and retires every term before it.
    mutating func retire(before term: UInt32, at now: Date) {
        guard let index = terms.firstIndex(where: { $0.term == term }), terms[index].reencryptedAt == nil else { return }
        terms[index].reencryptedAt = now
        terms.removeAll { $0.term < term }
        oldestOpenTerm = term
    }

    /// Adds a new random term and makes it active.
    mutating func rotate(at now: Date) throws(BarrierError) -> UInt32 {
        guard terms.count + 1 < Self.maximumTerms else { throw .keyringFull(terms: terms.count + 1) }
        let next = (terms.last?.term ?? 1) + 1
        terms.append(Term(term: next, material: SymmetricKey(size: .bits256), installedAt: now))
        active = next
        return next
    }

    /// The active term's record, nil for term 1.
    public var activeTerm: Term? { terms.last { $0.term == active } }
}
