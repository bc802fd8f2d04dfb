/// What an ``Identifier`` names; gives tenant and service ids distinct types.
public protocol IdentifierKind: Sendable {
    /// Used in error messages: "invalid tenant id".
    static var name: String { get }
}

public enum TenantKind: IdentifierKind {
    public static let name = "tenant"
}

public enum ServiceKind: IdentifierKind {
    public static let name = "service"
}

public enum RegionKind: IdentifierKind {
    public static let name = "region"
}

/// A tenant's id.
public typealias TenantID = Identifier<TenantKind>
/// A region's id (`eu-central`, `us-east`): where a service's keys live and are used.
public typealias RegionID = Identifier<RegionKind>
/// A service's id within a tenant (Payments, Audit, ...).
public typealias ServiceID = Identifier<ServiceKind>

/// An id of 1 to 64 characters from `A-Z a-z 0-9 . _ -`, starting with a
/// letter or digit. Ids appear in storage paths and associated data, so the
/// alphabet is kept small and free of separators.
public struct Identifier<Kind: IdentifierKind>: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static var maximumLength: Int { 64 }

    public let rawValue: String

    public init(_ rawValue: String) throws(KeyChainError) {
        let utf8 = Array(rawValue.utf8)
        guard (1...Self.maximumLength).contains(utf8.count) else {
            throw .invalidIdentifier(kind: Kind.name, reason: "must be 1 to \(Self.maximumLength) characters")
        }
        func isAlphanumeric(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
        guard isAlphanumeric(utf8[0]) else {
            throw .invalidIdentifier(kind: Kind.name, reason: "must start with a letter or digit")
        }
        guard utf8.allSatisfy({ isAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }) else {
            throw .invalidIdentifier(kind: Kind.name, reason: "may contain only letters, digits, '.', '_' and '-'")
        }
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
