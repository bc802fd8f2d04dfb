/// An X.501 name as certificates carry it: relative distinguished names, most
/// significant first (`C`, then `O`, then `CN`), each one or more attributes.
///
/// Two names are the same when their RFC 4514 text is the same: attribute
/// types by their short names (or dotted OIDs), values exactly, case and spaces
/// included. That is stricter than RFC 5280's matching rules on purpose: a
/// subject that maps to a tenant should not match by case folding.
public struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One attribute of a relative distinguished name.
    public struct Attribute: Sendable, Hashable {
        public let type: ASN1ObjectID
        public let value: String
        /// For a value read from DER that is not a string type: its whole encoding (tag, length, content).
        public let encodedValue: [UInt8]?

        public init(type: ASN1ObjectID, value: String) {
            self.type = type
            self.value = value
            self.encodedValue = nil
        }

        init(type: ASN1ObjectID, encodedValue: [UInt8]) {
            self.type = type
            self.value = ""
            self.encodedValue = encodedValue
        }
    }

    /// Most significant first, as encoded.
    public let relativeNames: [[Attribute]]

    public init(relativeNames: [[Attribute]]) {
        self.relativeNames = relativeNames
    }

    /// RFC 4514 text: least significant first (`CN=app,O=Acme,C=DE`), `+`
    /// between the attributes of one relative name, specials escaped.
    /// The attributes of one relative name are sorted (a SET has no order), so
    /// `CN=a+UID=b` and `UID=b+CN=a` are the same name.
    public var description: String {
        relativeNames.reversed().map { relative in
            relative.map(Self.text).sorted().joined(separator: "+")
        }.joined(separator: ",")
    }

    /// A value that is not a string type (see ``Attribute/encodedValue``) is
    /// written as RFC 4514 says: an unescaped `#` and the hex of its whole
    /// encoding, which text parsed here never produces.
    private static func text(_ attribute: Attribute) -> String {
        let type = shortName(attribute.type) ?? attribute.type.description
        if let encoded = attribute.encodedValue {
            return "\(type)=#" + encoded.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        return "\(type)=\(escape(attribute.value))"
    }

    /// The attribute types written by their RFC 4514 (and OpenSSL) short names.
    static let shortNames: [(String, ASN1ObjectID)] = [
        ("CN", .commonName), ("L", .locality), ("ST", .stateOrProvince), ("O", .organization), ("OU", .organizationalUnit),
        ("C", .country), ("STREET", .street), ("DC", .domainComponent), ("UID", .userID), ("serialNumber", .serialNumber),
        ("emailAddress", .emailAddress), ("SN", .surname), ("GN", .givenName), ("title", .title),
    ]

    static func shortName(_ type: ASN1ObjectID) -> String? {
        shortNames.first { $0.1 == type }?.0
    }

    /// Escapes by Unicode scalar, not by Character: a combining or prepending
    /// scalar must not hide a `,` or `+` inside a grapheme cluster.
    static func escape(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(value.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\"", "+", ",", ";", "<", ">", "\\":
                out.append("\\")
                out.append(scalar)
            case "#" where index == 0, " " where index == 0 || index == scalars.count - 1:
                out.append("\\")
                out.append(scalar)
            case "\u{0}": out.append(contentsOf: "\\00".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
