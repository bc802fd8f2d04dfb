/// A KMIP protocol version (Protocol Version Major / Minor).
public struct KMIPVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: Int32
    public var minor: Int32

    public init(major: Int32, minor: Int32) {
        self.major = major
        self.minor = minor
    }

    public static func < (lhs: KMIPVersion, rhs: KMIPVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static let v1_0 = KMIPVersion(major: 1, minor: 0)
    public static let v1_1 = KMIPVersion(major: 1, minor: 1)
    public static let v1_2 = KMIPVersion(major: 1, minor: 2)
    public static let v1_3 = KMIPVersion(major: 1, minor: 3)
    public static let v1_4 = KMIPVersion(major: 1, minor: 4)
    public static let v2_0 = KMIPVersion(major: 2, minor: 0)
    public static let v2_1 = KMIPVersion(major: 2, minor: 1)

    /// Whether `tag` exists in this version: introduced at or before it, and for
    /// 2.x not one of the tags KMIP 2.0 reserved.
    public func defines(_ tag: TTLVTag) -> Bool {
        guard let introduced = tag.introducedIn, introduced <= self else { return tag.isExtension }
        return major < 2 || !tag.isReservedSince20
    }
}
