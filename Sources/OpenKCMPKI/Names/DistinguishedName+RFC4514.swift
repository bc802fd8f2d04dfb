import SwiftASN1
public import X509

extension DistinguishedName {
    /// Parses RFC 4514 text (`CN=mysql-01,OU=db,O=Acme`): least significant
    /// first, `+` inside a relative name, `\` escapes (a special character or
    /// two hex digits). Spaces around separators are forgiven, as people write
    /// `CN=a, O=b`. Types are short names or dotted OIDs; `#hex` values are not
    /// supported. Values are written as RFC 5280 asks: `C` a PrintableString,
    /// `emailAddress` and `DC` IA5Strings, everything else UTF8String.
    public init(rfc4514 text: String) throws(PKIError) {
        guard !text.isEmpty, text.utf8.count <= 4096 else { throw .invalidName("a name is 1 to 4096 bytes") }
        var relativeNames: [RelativeDistinguishedName] = []
        var current: [RelativeDistinguishedName.Attribute] = []
        var scanner = Array(text.unicodeScalars)[...]
        while true {
            current.append(try Self.attribute(&scanner))
            guard let separator = scanner.popFirst() else { break }
            if separator == "," || separator == ";" {
                relativeNames.append(RelativeDistinguishedName(current))
                current = []
            }
            // "+" continues the same relative name.
        }
        relativeNames.append(RelativeDistinguishedName(current))
        guard relativeNames.count <= 64 else { throw .unsupported("a name of more than 64 parts") }
        self.init(relativeNames.reversed())
    }

    /// RFC 4514 text, least significant first (`CN=app,O=Acme,C=DE`), `+`
    /// between the attributes of one relative name (sorted: a SET has no
    /// order), specials escaped by Unicode scalar.
    ///
    /// This text is how OpenKCM compares names (a subject mapped to a tenant is
    /// stored as it): attribute types by short name or dotted OID, values
    /// exactly, case and spaces included. That is stricter than RFC 5280's
    /// matching rules on purpose: a subject that maps to a tenant should not
    /// match by case folding. A value that is not a string type is written as
    /// RFC 4514 says, `#` and the hex of its encoding, which parsed text never
    /// produces.
    public var rfc4514String: String {
        reversed().map { relative in
            relative.map(Self.text).sorted().joined(separator: "+")
        }.joined(separator: ",")
    }

    private static func text(_ attribute: RelativeDistinguishedName.Attribute) -> String {
        let type = shortNames.first { $0.1 == attribute.type }?.0 ?? attribute.type.description
        if let value = String(attribute.value) { return "\(type)=\(escape(value))" }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(attribute.value))) != nil else { return "\(type)=#" }
        let encoded = serializer.serializedBytes
        if let value = legacyString(encoded) { return "\(type)=\(escape(value))" }
        return "\(type)=#" + encoded.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// TeletexString (read as Latin-1, as OpenSSL does) and BMPString (UTF-16),
    /// which older CAs still write; swift-certificates keeps them as opaque values.
    private static func legacyString(_ encoded: [UInt8]) -> String? {
        guard let node = try? DER.parse(encoded), case .primitive(let content) = node.content else { return nil }
        switch node.identifier {
        case .teletexString:
            return String(String.UnicodeScalarView(content.map { Unicode.Scalar($0) }))
        case .bmpString:
            guard content.count % 2 == 0 else { return nil }
            let bytes = Array(content)
            let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            return String(validating: units, as: UTF16.self)
        default:
            return nil
        }
    }

    /// The attribute types written by their RFC 4514 (and OpenSSL) short names.
    static let shortNames: [(String, ASN1ObjectIdentifier)] = [
        ("CN", .RDNAttributeType.commonName), ("L", .RDNAttributeType.localityName), ("ST", .RDNAttributeType.stateOrProvinceName),
        ("O", .RDNAttributeType.organizationName), ("OU", .RDNAttributeType.organizationalUnitName), ("C", .RDNAttributeType.countryName),
        ("STREET", .RDNAttributeType.streetAddress), ("DC", .RDNAttributeType.domainComponent), ("UID", [0, 9, 2342, 19_200_300, 100, 1, 1]),
        ("serialNumber", [2, 5, 4, 5]), ("emailAddress", .RDNAttributeType.emailAddress), ("SN", [2, 5, 4, 4]), ("GN", [2, 5, 4, 42]),
        ("title", [2, 5, 4, 12]),
    ]

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

    private static func attribute(_ scanner: inout ArraySlice<Unicode.Scalar>) throws(PKIError) -> RelativeDistinguishedName.Attribute {
        while scanner.first == " " { scanner.removeFirst() }
        var typeText = ""
        while let scalar = scanner.first, scalar != "=" {
            guard scalar != "," && scalar != "+" && scalar != ";" else { throw .invalidName("an attribute without '='") }
            typeText.unicodeScalars.append(scalar)
            scanner.removeFirst()
        }
        guard scanner.popFirst() == "=" else { throw .invalidName("an attribute without '='") }
        typeText = String(typeText.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        let type: ASN1ObjectIdentifier
        if let known = shortNames.first(where: { $0.0.lowercased() == typeText.lowercased() }) {
            type = known.1
        } else if let dotted = try? ASN1ObjectIdentifier(
            dotRepresentation: typeText.hasPrefix("OID.") || typeText.hasPrefix("oid.") ? String(typeText.dropFirst(4)) : typeText),
            dotted.oidComponents.count >= 2 {
            type = dotted
        } else {
            throw .invalidName("unknown attribute type '\(typeText)'")
        }
        while scanner.first == " " { scanner.removeFirst() }
        guard scanner.first != "#" else { throw .invalidName("hex-encoded (#) values are not supported") }
        var value: [UInt8] = []
        // How long `value` was after the last escaped byte: trailing spaces after it are part of the value.
        var escapedThrough = 0
        while let scalar = scanner.first, scalar != ",", scalar != "+", scalar != ";" {
            scanner.removeFirst()
            if scalar == "\\" {
                guard let next = scanner.popFirst() else { throw .invalidName("a '\\' at the end") }
                if let high = hexValue(next), let low = scanner.first.flatMap(hexValue) {
                    scanner.removeFirst()
                    value.append(high << 4 | low)
                } else if "\"+,;<>\\ #=".unicodeScalars.contains(next) {
                    value += Array(String(next).utf8)
                } else {
                    throw .invalidName("'\\\(next)' is not an escape")
                }
                escapedThrough = value.count
            } else {
                guard scalar != "\"" && scalar != "<" && scalar != ">" && scalar != "\u{0}" else {
                    throw .invalidName("'\(scalar)' must be escaped")
                }
                value += Array(String(scalar).utf8)
            }
        }
        while value.count > escapedThrough, value.last == UInt8(ascii: " ") { value.removeLast() }
        guard let decoded = String(validating: value, as: UTF8.self) else { throw .invalidName("an escaped value is not UTF-8") }
        guard !decoded.isEmpty else { throw .invalidName("an empty value for \(typeText)") }
        do {
            switch type {
            case .RDNAttributeType.countryName: return try .init(type: type, printableString: decoded)
            case .RDNAttributeType.emailAddress, .RDNAttributeType.domainComponent: return try .init(type: type, ia5String: decoded)
            default: return .init(type: type, utf8String: decoded)
            }
        } catch {
            throw .invalidName("'\(decoded)' is not a valid value for \(typeText)")
        }
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }
}
