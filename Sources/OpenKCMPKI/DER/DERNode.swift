/// One tag-length-value read from DER: its identifier byte, its content, and
/// the whole encoding (what a signature covers, or what is copied unchanged).
package struct DERNode: Sendable {
    package let tag: UInt8
    package let content: ArraySlice<UInt8>
    package let encoded: ArraySlice<UInt8>

    package var isConstructed: Bool { tag & 0x20 != 0 }

    /// A reader over the children of a constructed node.
    package func children() throws(PKIError) -> DERReader {
        guard isConstructed else { throw .malformed("expected a constructed value, found tag \(tag)") }
        return DERReader(content)
    }

    /// A non-negative INTEGER's magnitude, big-endian, without sign padding.
    package func unsignedIntegerBytes() throws(PKIError) -> [UInt8] {
        guard tag == DERTag.integer, let first = content.first else { throw .malformed("expected an INTEGER") }
        guard first & 0x80 == 0 else { throw .unsupported("a negative INTEGER") }
        if content.count > 1, first == 0, content[content.startIndex + 1] & 0x80 == 0 { throw .malformed("an INTEGER not in minimal form") }
        return Array(content.drop { $0 == 0 })
    }

    /// A small non-negative INTEGER (a version or a path length).
    package func smallInteger() throws(PKIError) -> Int {
        let magnitude = try unsignedIntegerBytes()
        guard magnitude.count <= 4 else { throw .unsupported("an INTEGER over 32 bits where a small one is due") }
        return magnitude.reduce(0) { $0 << 8 | Int($1) }
    }

    package func boolean() throws(PKIError) -> Bool {
        guard tag == DERTag.boolean, content.count == 1, content.first == 0x00 || content.first == 0xFF else {
            throw .malformed("expected a DER BOOLEAN")
        }
        return content.first == 0xFF
    }

    package func objectIdentifier() throws(PKIError) -> ASN1ObjectID {
        guard tag == DERTag.objectIdentifier else { throw .malformed("expected an OBJECT IDENTIFIER") }
        return try ASN1ObjectID(contentBytes: content)
    }

    /// The bytes of a BIT STRING that holds whole bytes (a key or a signature).
    package func bitStringBytes() throws(PKIError) -> ArraySlice<UInt8> {
        guard tag == DERTag.bitString, content.first == 0 else { throw .malformed("expected a BIT STRING of whole bytes") }
        return content.dropFirst()
    }

    package func octetString() throws(PKIError) -> ArraySlice<UInt8> {
        guard tag == DERTag.octetString else { throw .malformed("expected an OCTET STRING") }
        return content
    }
}
