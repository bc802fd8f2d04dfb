/// The canonical bytes of an encryption context, as OpenKCM's envelope
/// format writes it: `u16 count`, then each pair sorted by the key's UTF-8
/// bytes as `u16 len(key) || key || u16 len(value) || value`, big-endian.
enum RecordContext {
    static func encode(_ context: [String: String]) throws(OpenKCMClientError) -> [UInt8] {
        guard context.count <= 64 else { throw .invalidContext("at most 64 pairs") }
        var out: [UInt8] = []
        append(UInt16(context.count), to: &out)
        for (key, value) in context.map({ (Array($0.key.utf8), Array($0.value.utf8)) }).sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
            guard (1...255).contains(key.count) else { throw .invalidContext("keys are 1 to 255 UTF-8 bytes") }
            guard value.count <= 1024 else { throw .invalidContext("values are at most 1024 UTF-8 bytes") }
            append(UInt16(key.count), to: &out)
            out += key
            append(UInt16(value.count), to: &out)
            out += value
        }
        guard out.count <= 8192 else { throw .invalidContext("the encoded context is at most 8192 bytes") }
        return out
    }

    static func append(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    static func append(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
