/// An OBJECT IDENTIFIER, as its arcs (`2.5.4.3`).
public struct ASN1ObjectID: Sendable, Hashable, CustomStringConvertible {
    public let arcs: [UInt64]

    public init(_ arcs: UInt64...) {
        self.arcs = arcs
    }

    /// Parses dotted text (`1.2.840.10045.4.3.2`).
    public init?(dotted text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 32 else { return nil }
        var arcs: [UInt64] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 19, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let arc = UInt64(part),
                  part == "0" || part.first != "0" else { return nil }
            arcs.append(arc)
        }
        guard arcs[0] <= 2, arcs[0] == 2 || arcs[1] < 40 else { return nil }
        self.arcs = arcs
    }

    package init(contentBytes bytes: ArraySlice<UInt8>) throws(PKIError) {
        guard !bytes.isEmpty, bytes.count <= 64 else { throw .malformed("an OBJECT IDENTIFIER of \(bytes.count) bytes") }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        var started = false
        for byte in bytes {
            // A leading 0x80 would be a non-minimal arc; 9 groups of 7 bits overflow UInt64 at the next shift.
            if !started, byte == 0x80 { throw .malformed("an OBJECT IDENTIFIER arc not in minimal form") }
            guard value >> 57 == 0 else { throw .unsupported("an OBJECT IDENTIFIER arc over 64 bits") }
            value = value << 7 | UInt64(byte & 0x7F)
            started = true
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    arcs += value < 80 ? [value / 40, value % 40] : [2, value - 80]
                } else {
                    arcs.append(value)
                }
                value = 0
                started = false
            }
        }
        guard !started else { throw .malformed("an OBJECT IDENTIFIER ends inside an arc") }
        self.arcs = arcs
    }

    package var contentBytes: [UInt8] {
        var bytes: [UInt8] = []
        func base128(_ value: UInt64) {
            var groups: [UInt8] = [UInt8(value & 0x7F)]
            var rest = value >> 7
            while rest > 0 {
                groups.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            bytes += groups
        }
        base128(arcs[0] * 40 + arcs[1])
        for arc in arcs.dropFirst(2) { base128(arc) }
        return bytes
    }

    public var description: String { arcs.map(String.init).joined(separator: ".") }
}

extension ASN1ObjectID {
    // Attribute types in names (RFC 4519, RFC 2985, RFC 4524).
    public static let commonName = ASN1ObjectID(2, 5, 4, 3)
    public static let surname = ASN1ObjectID(2, 5, 4, 4)
    public static let serialNumber = ASN1ObjectID(2, 5, 4, 5)
    public static let country = ASN1ObjectID(2, 5, 4, 6)
    public static let locality = ASN1ObjectID(2, 5, 4, 7)
    public static let stateOrProvince = ASN1ObjectID(2, 5, 4, 8)
    public static let street = ASN1ObjectID(2, 5, 4, 9)
    public static let organization = ASN1ObjectID(2, 5, 4, 10)
    public static let organizationalUnit = ASN1ObjectID(2, 5, 4, 11)
    public static let title = ASN1ObjectID(2, 5, 4, 12)
    public static let givenName = ASN1ObjectID(2, 5, 4, 42)
    public static let emailAddress = ASN1ObjectID(1, 2, 840, 113549, 1, 9, 1)
    public static let domainComponent = ASN1ObjectID(0, 9, 2342, 19200300, 100, 1, 25)
    public static let userID = ASN1ObjectID(0, 9, 2342, 19200300, 100, 1, 1)

    // Keys and signatures (RFC 5480, RFC 5758, RFC 4055).
    public static let ecPublicKey = ASN1ObjectID(1, 2, 840, 10045, 2, 1)
    public static let rsaEncryption = ASN1ObjectID(1, 2, 840, 113549, 1, 1, 1)
    public static let ecdsaWithSHA256 = ASN1ObjectID(1, 2, 840, 10045, 4, 3, 2)
    public static let ecdsaWithSHA384 = ASN1ObjectID(1, 2, 840, 10045, 4, 3, 3)
    public static let ecdsaWithSHA512 = ASN1ObjectID(1, 2, 840, 10045, 4, 3, 4)
    public static let sha256WithRSAEncryption = ASN1ObjectID(1, 2, 840, 113549, 1, 1, 11)
    public static let sha384WithRSAEncryption = ASN1ObjectID(1, 2, 840, 113549, 1, 1, 12)
    public static let sha512WithRSAEncryption = ASN1ObjectID(1, 2, 840, 113549, 1, 1, 13)

    // Certificate extensions (RFC 5280 §4.2).
    public static let subjectKeyIdentifier = ASN1ObjectID(2, 5, 29, 14)
    public static let keyUsage = ASN1ObjectID(2, 5, 29, 15)
    public static let basicConstraints = ASN1ObjectID(2, 5, 29, 19)
    public static let authorityKeyIdentifier = ASN1ObjectID(2, 5, 29, 35)
    public static let extendedKeyUsage = ASN1ObjectID(2, 5, 29, 37)
    public static let clientAuthentication = ASN1ObjectID(1, 3, 6, 1, 5, 5, 7, 3, 2)
}
