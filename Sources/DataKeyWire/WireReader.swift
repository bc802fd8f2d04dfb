/// Reads length-prefixed big-endian fields from a body, refusing to read
/// past its end.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - offset }

    mutating func uint8() throws(DataKeyWireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() throws(DataKeyWireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// The next `count` bytes, as a slice sharing the body's storage.
    mutating func slice(_ count: Int) throws(DataKeyWireError) -> ArraySlice<UInt8> {
        guard remaining >= count else { throw .truncated }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// A u16 length, then that many bytes.
    mutating func field() throws(DataKeyWireError) -> ArraySlice<UInt8> {
        try slice(Int(try uint16()))
    }

    mutating func expect(_ magic: [UInt8]) throws(DataKeyWireError) {
        guard remaining >= magic.count, magic.elementsEqual(try slice(magic.count)) else { throw .badMagic }
    }

    func expectEnd() throws(DataKeyWireError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }
}

extension [UInt8] {
    mutating func appendWireUInt16(_ value: Int) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// A u16 length, then the bytes.
    mutating func appendWireField(_ field: some Collection<UInt8>, name: String) throws(DataKeyWireError) {
        guard field.count <= Int(UInt16.max) else { throw .fieldTooLong(field: name, length: field.count) }
        appendWireUInt16(field.count)
        append(contentsOf: field)
    }
}
