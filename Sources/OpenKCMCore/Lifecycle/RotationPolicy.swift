public import Foundation

/// How often a versioned key (an L2.1 tenant key or an L3 service key)
/// rotates on its own, set per tenant and per service (`nil` fields inherit:
/// service, then tenant, then the platform's ``RotationDefaults``). PCI DSS
/// 3.7.4 asks for a defined cryptoperiod per key type; NIST SP 800-57 gives
/// at most 2 years of originator use for symmetric wrapping keys.
public struct RotationPolicy: Sendable, Hashable, Codable {
    /// Shortest and longest period a policy may set: 1 day to 7 years.
    public static let allowedPeriods: ClosedRange<Int> = 86_400...(7 * 365 * 86_400)

    /// Seconds from a version's creation to the rotation that replaces it.
    public var periodSeconds: Int?
    /// Seconds from an L2 generation's creation to the L2 rotation that replaces it (a tenant's policy only).
    public var rootPeriodSeconds: Int?
    /// Seconds an L2.1 version keeps opening what it wrapped after a newer one replaced it (decrypt
    /// only); past them the minimum decryption version rises over it, unless an L3 version still
    /// depends on it (a tenant's policy).
    public var decryptOnlySeconds: Int?
    /// Wraps an L3 version may make before it is replaced (in the service's or the tenant's policy;
    /// counted in reservations of 2^20, at most the nonce budget of 2^31).
    public var maximumWraps: UInt64?

    /// Fewest and most wraps a policy may set per L3 version: one reservation, and the nonce budget.
    public static let allowedWraps: ClosedRange<UInt64> = (1 << 20)...(1 << 31)

    public init(periodSeconds: Int? = nil, rootPeriodSeconds: Int? = nil, decryptOnlySeconds: Int? = nil, maximumWraps: UInt64? = nil) {
        self.periodSeconds = periodSeconds
        self.rootPeriodSeconds = rootPeriodSeconds
        self.decryptOnlySeconds = decryptOnlySeconds
        self.maximumWraps = maximumWraps
    }

    /// Refuses a period outside ``allowedPeriods``.
    public func validated() throws(KeyChainError) -> RotationPolicy {
        if let periodSeconds, !Self.allowedPeriods.contains(periodSeconds) {
            throw .invalidRotationPolicy("a rotation period is 1 day to 7 years (86400 to 220752000 seconds), got \(periodSeconds)")
        }
        if let rootPeriodSeconds, !Self.allowedPeriods.contains(rootPeriodSeconds) {
            throw .invalidRotationPolicy("an L2 rotation period is 1 day to 7 years (86400 to 220752000 seconds), got \(rootPeriodSeconds)")
        }
        if let decryptOnlySeconds, !Self.allowedPeriods.contains(decryptOnlySeconds) {
            throw .invalidRotationPolicy("a decrypt-only window is 1 day to 7 years (86400 to 220752000 seconds), got \(decryptOnlySeconds)")
        }
        if let maximumWraps, !Self.allowedWraps.contains(maximumWraps) {
            throw .invalidRotationPolicy("maximum wraps per version are 1048576 (one reservation) to 2147483648 (the nonce budget), got \(maximumWraps)")
        }
        return self
    }

    /// Refuses what only a tenant's policy may hold (the L2 period, the
    /// decrypt-only window), then as ``validated()``.
    public func validatedForService() throws(KeyChainError) -> RotationPolicy {
        if rootPeriodSeconds != nil { throw .invalidRotationPolicy("an L2 rotation period belongs to the tenant's policy, not a service's") }
        if decryptOnlySeconds != nil {
            throw .invalidRotationPolicy("the decrypt-only window is the tenant's, for its L2.1 (an L3 version's data keys are outside the server)")
        }
        return try validated()
    }
}
