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

        public init(type: ASN1ObjectID, value: String) {
            self.type = type
            self.value = value
        }
    }

    /// Most significant first, as encoded.
    public let relativeNames: [[Attribute]]

    public init(relativeNames: [[Attribute]]) {
        self.relativeNames = relativeNames
    }

    /// RFC 4514 text: least significant first (`CN=app,O=Acme,C=DE`), `+`
    /// between the attributes of one relative name, specials escaped.
    public var description: String {
        relativeNames.reversed().map { relative in
            relative.map { "\(Self.shortName($0.type) ?? $0.type.description)=\(Self.escape($0.value))" }.joined(separator: "+")
        }.joined(separator: ",")
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

    static func escape(_ value: String) -> String {
        var out = ""
        let characters = Array(value)
        for (index, character) in characters.enumerated() {
            switch character {
            case "\"", "+", ",", ";", "<", ">", "\\": out += "\\\(character)"
            case "#" where index == 0: out += "\\#"
            case " " where index == 0 || index == characters.count - 1: out += "\\ "
            case "\u{0}": out += "\\00"
            default: out.append(character)
            }
        }
        return out
    }
}
