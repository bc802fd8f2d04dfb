/// A tenant's id: 1 to 64 characters from `A-Z a-z 0-9 . _ -`, starting with a
/// letter or digit. Ids appear in storage paths and associated data, so the
/// alphabet is kept small and free of separators.
public struct TenantID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws(KeyChainError) {
        try IdentifierRules.validate(rawValue, kind: "tenant")
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A service's id within a tenant (Payments, Audit, ...); same alphabet as ``TenantID``.
public struct ServiceID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws(KeyChainError) {
        try IdentifierRules.validate(rawValue, kind: "service")
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

enum IdentifierRules {
    static let maximumLength = 64

    static func validate(_ value: String, kind: String) throws(KeyChainError) {
        let utf8 = Array(value.utf8)
        guard (1...maximumLength).contains(utf8.count) else {
            throw .invalidIdentifier(kind: kind, reason: "must be 1 to \(maximumLength) characters")
        }
        func isAlphanumeric(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
        guard isAlphanumeric(utf8[0]) else {
            throw .invalidIdentifier(kind: kind, reason: "must start with a letter or digit")
        }
        guard utf8.allSatisfy({ isAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }) else {
            throw .invalidIdentifier(kind: kind, reason: "may contain only letters, digits, '.', '_' and '-'")
        }
    }
}
