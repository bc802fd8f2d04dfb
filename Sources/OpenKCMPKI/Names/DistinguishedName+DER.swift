extension DistinguishedName {
    /// Reads a `Name` (an RDNSequence).
    package init(_ node: DERNode) throws(PKIError) {
        guard node.tag == DERTag.sequence else { throw .malformed("expected a Name") }
        var sequence = try node.children()
        var relativeNames: [[Attribute]] = []
        while !sequence.isAtEnd {
            var set = try sequence.next(DERTag.set).children()
            var relative: [Attribute] = []
            while !set.isAtEnd {
                var pair = try set.next(DERTag.sequence).children()
                let type = try pair.next().objectIdentifier()
                let valueNode = try pair.next()
                try pair.expectEnd("an attribute")
                if let value = try Self.text(valueNode) {
                    relative.append(Attribute(type: type, value: value))
                } else {
                    relative.append(Attribute(type: type, encodedValue: Array(valueNode.encoded)))
                }
            }
            guard !relative.isEmpty else { throw .malformed("an empty relative distinguished name") }
            guard relativeNames.count < 64 else { throw .unsupported("a name of more than 64 parts") }
            relativeNames.append(relative)
        }
        self.init(relativeNames: relativeNames)
    }

    /// Writes the name: `C` as a PrintableString (RFC 5280 asks for it),
    /// `emailAddress` and `DC` as IA5String, everything else as UTF8String.
    package func write(to writer: inout DERWriter) {
        writer.sequence { sequence in
            for relative in relativeNames {
                sequence.constructed(DERTag.set) { set in
                    // DER sorts a SET OF by encoding.
                    let encoded = relative.map { attribute in
                        var pair = DERWriter()
                        pair.sequence { pair in
                            pair.objectIdentifier(attribute.type)
                            if let encoded = attribute.encodedValue { return pair.appendEncoded(encoded) }
                            switch attribute.type {
                            case .country: pair.printableString(attribute.value)
                            case .emailAddress, .domainComponent: pair.ia5String(attribute.value)
                            default: pair.utf8String(attribute.value)
                            }
                        }
                        return pair.bytes
                    }
                    for bytes in encoded.sorted(by: { $0.lexicographicallyPrecedes($1) }) { set.appendEncoded(bytes) }
                }
            }
        }
    }

    package var derEncoded: [UInt8] {
        var writer = DERWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// The string types names use; nil for any other type (kept as its encoding).
    private static func text(_ node: DERNode) throws(PKIError) -> String? {
        let bytes = Array(node.content)
        switch node.tag {
        case DERTag.utf8String, DERTag.printableString, DERTag.ia5String:
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("a name value is not UTF-8") }
            return text
        case DERTag.teletexString:
            // Treated as Latin-1, as OpenSSL and most readers do.
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case DERTag.bmpString:
            guard bytes.count % 2 == 0 else { throw .malformed("a BMPString of odd length") }
            let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            guard let text = String(validating: units, as: UTF16.self) else { throw .malformed("a BMPString is not UTF-16") }
            return text
        default:
            return nil
        }
    }
}
