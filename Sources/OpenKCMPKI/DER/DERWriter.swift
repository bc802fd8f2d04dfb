package import Foundation

/// Appends DER: definite, minimal lengths, and the value types certificates use.
/// Constructed values are built by a closure that writes their content, so a
/// length is always computed from what was actually written.
package struct DERWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    /// A constructed value (`SEQUENCE`, `SET`, `[n] EXPLICIT`) whose content `body` writes.
    package mutating func constructed(_ tag: UInt8, _ body: (inout DERWriter) throws -> Void) rethrows {
        var inner = DERWriter()
        try body(&inner)
        append(tag, inner.bytes)
    }

    package mutating func sequence(_ body: (inout DERWriter) throws -> Void) rethrows {
        try constructed(DERTag.sequence, body)
    }

    /// One tag-length-value.
    package mutating func append(_ tag: UInt8, _ content: some Collection<UInt8>) {
        bytes.append(tag)
        appendLength(content.count)
        bytes.append(contentsOf: content)
    }

    /// A value that is already DER (a SubjectPublicKeyInfo from swift-crypto, a name read from a certificate).
    package mutating func appendEncoded(_ encoded: some Collection<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    /// A non-negative INTEGER from its big-endian magnitude.
    package mutating func unsignedInteger(_ magnitude: some Collection<UInt8>) {
        var content = Array(magnitude.drop { $0 == 0 })
        if content.isEmpty || content[0] & 0x80 != 0 { content.insert(0, at: 0) }
        append(DERTag.integer, content)
    }

    package mutating func integer(_ value: Int) {
        precondition(value >= 0, "only non-negative integers are written")
        var magnitude: [UInt8] = []
        var rest = value
        repeat {
            magnitude.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        } while rest > 0
        unsignedInteger(magnitude)
    }

    package mutating func boolean(_ value: Bool) {
        append(DERTag.boolean, [value ? 0xFF : 0x00])
    }

    package mutating func objectIdentifier(_ identifier: ASN1ObjectID) {
        append(DERTag.objectIdentifier, identifier.contentBytes)
    }

    package mutating func octetString(_ content: some Collection<UInt8>) {
        append(DERTag.octetString, content)
    }

    /// A BIT STRING holding whole bytes.
    package mutating func bitString(_ content: some Collection<UInt8>) {
        append(DERTag.bitString, [0] + Array(content))
    }

    /// A named-bit BIT STRING (KeyUsage): bit 0 is the most significant bit of
    /// the first byte, and DER drops trailing zero bits.
    package mutating func namedBits(_ bits: Set<Int>) {
        guard let highest = bits.max() else { return append(DERTag.bitString, [0]) }
        var content = [UInt8](repeating: 0, count: highest / 8 + 1)
        for bit in bits { content[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        let unused = UInt8(7 - highest % 8)
        append(DERTag.bitString, [unused] + content)
    }

    package mutating func utf8String(_ text: String) {
        append(DERTag.utf8String, Array(text.utf8))
    }

    package mutating func printableString(_ text: String) {
        append(DERTag.printableString, Array(text.utf8))
    }

    package mutating func ia5String(_ text: String) {
        append(DERTag.ia5String, Array(text.utf8))
    }

    /// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, in whole seconds, always Z.
    package mutating func time(_ date: Date) {
        let components = DERTime.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = components.year ?? 0
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let rest = two(components.month) + two(components.day) + two(components.hour) + two(components.minute) + two(components.second) + "Z"
        if (1950..<2050).contains(year) {
            append(DERTag.utcTime, Array((two(year % 100) + rest).utf8))
        } else {
            append(DERTag.generalizedTime, Array((String(year) + rest).utf8))
        }
    }

    private mutating func appendLength(_ length: Int) {
        if length < 0x80 {
            bytes.append(UInt8(length))
            return
        }
        var octets: [UInt8] = []
        var rest = length
        while rest > 0 {
            octets.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        bytes.append(0x80 | UInt8(octets.count))
        bytes.append(contentsOf: octets)
    }
}
