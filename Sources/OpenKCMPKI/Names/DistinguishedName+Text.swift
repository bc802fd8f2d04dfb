extension DistinguishedName {
    /// Parses RFC 4514 text (`CN=mysql-01,OU=db,O=Acme`): least significant
    /// first, `+` inside a relative name, `\` escapes (a special character or
    /// two hex digits). Spaces around separators are forgiven, as people write
    /// `CN=a, O=b`. Types are short names or dotted OIDs; `#hex` values are not
    /// supported.
    public init(rfc4514 text: String) throws(PKIError) {
        guard !text.isEmpty, text.utf8.count <= 4096 else { throw .invalidName("a name is 1 to 4096 bytes") }
        var relativeNames: [[Attribute]] = []
        var current: [Attribute] = []
        var scanner = Array(text.unicodeScalars)[...]
        while true {
            let attribute = try Self.attribute(&scanner)
            current.append(attribute)
            guard let separator = scanner.popFirst() else { break }
            if separator == "," || separator == ";" {
                relativeNames.append(current)
                current = []
            }
            // "+" continues the same relative name.
        }
        relativeNames.append(current)
        self.init(relativeNames: relativeNames.reversed())
    }

    private static func attribute(_ scanner: inout ArraySlice<Unicode.Scalar>) throws(PKIError) -> Attribute {
        while scanner.first == " " { scanner.removeFirst() }
        var typeText = ""
        while let scalar = scanner.first, scalar != "=" {
            guard scalar != "," && scalar != "+" && scalar != ";" else { throw .invalidName("an attribute without '='") }
            typeText.unicodeScalars.append(scalar)
            scanner.removeFirst()
        }
        guard scanner.popFirst() == "=" else { throw .invalidName("an attribute without '='") }
        typeText = String(typeText.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        let type: ASN1ObjectID
        if let known = shortNames.first(where: { $0.0.lowercased() == typeText.lowercased() }) {
            type = known.1
        } else if let dotted = ASN1ObjectID(dotted: typeText.hasPrefix("OID.") || typeText.hasPrefix("oid.") ? String(typeText.dropFirst(4)) : typeText) {
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
        return Attribute(type: type, value: decoded)
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
