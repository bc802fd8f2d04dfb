extension DataKeyBatchWire {
    /// The canonical EncryptionContext bytes of `context`: pairs sorted by
    /// their keys' UTF-8 bytes, each length as a u16. Sizes beyond the u16
    /// fields are refused here; the core applies its own, lower limits.
    public static func canonicalContext(_ context: [String: String]) throws(DataKeyWireError) -> [UInt8] {
        guard context.count <= Int(UInt16.max) else { throw .fieldTooLong(field: "context", length: context.count) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(context.reduce(2) { $0 + 4 + $1.key.utf8.count + $1.value.utf8.count })
        bytes.appendWireUInt16(context.count)
        let sorted = context.count < 2 ? Array(context) : context.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (key, value) in sorted {
            try bytes.appendWireField(key.utf8, name: "context key")
            try bytes.appendWireField(value.utf8, name: "context value")
        }
        return bytes
    }
}
