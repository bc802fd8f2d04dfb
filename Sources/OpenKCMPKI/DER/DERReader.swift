/// Reads DER values one after another from a byte range, strictly: definite
/// minimal lengths that fit what is left, single-byte identifiers. Nothing is
/// copied and nothing recurses: callers descend with ``DERNode/children()``
/// where the structure they expect says so, which bounds the depth by the code.
package struct DERReader: Sendable {
    private var remaining: ArraySlice<UInt8>

    package init(_ bytes: ArraySlice<UInt8>) {
        remaining = bytes
    }

    package init(_ bytes: [UInt8]) {
        remaining = bytes[...]
    }

    package var isAtEnd: Bool { remaining.isEmpty }

    /// The next value, whatever its tag.
    package mutating func next() throws(PKIError) -> DERNode {
        let start = remaining.startIndex
        guard let tag = remaining.first else { throw .malformed("a value is missing") }
        guard tag & 0x1F != 0x1F else { throw .unsupported("a high-number tag") }
        var index = start + 1
        guard index < remaining.endIndex else { throw .malformed("a length is missing") }
        let first = remaining[index]
        index += 1
        var length: Int
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count > 0 else { throw .malformed("an indefinite length (BER, not DER)") }
            guard count <= 4 else { throw .malformed("a length over 4 bytes") }
            guard remaining.endIndex - index >= count else { throw .malformed("a length runs past the end") }
            length = 0
            for offset in 0..<count { length = length << 8 | Int(remaining[index + offset]) }
            index += count
            guard length >= 0x80, remaining[index - count] != 0 else { throw .malformed("a length not in minimal form") }
        }
        guard remaining.endIndex - index >= length else { throw .malformed("a value runs past the end") }
        let node = DERNode(tag: tag, content: remaining[index..<(index + length)], encoded: remaining[start..<(index + length)])
        remaining = remaining[(index + length)...]
        return node
    }

    /// The next value, which must carry `tag`.
    package mutating func next(_ tag: UInt8) throws(PKIError) -> DERNode {
        let node = try next()
        guard node.tag == tag else { throw .malformed("expected tag \(tag), found \(node.tag)") }
        return node
    }

    /// The next value if it carries `tag` (an OPTIONAL or DEFAULT field), else nil and nothing read.
    package mutating func nextIfPresent(_ tag: UInt8) throws(PKIError) -> DERNode? {
        guard remaining.first == tag else { return nil }
        return try next()
    }

    /// Refuses trailing bytes where a structure should have ended.
    package func expectEnd(_ what: String) throws(PKIError) {
        guard remaining.isEmpty else { throw .malformed("unexpected data after \(what)") }
    }
}
