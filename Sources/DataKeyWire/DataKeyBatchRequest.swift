/// A batch of data keys to wrap, or of wrapped blobs to open, each with its
/// encryption context (see ``DataKeyBatchWire`` for the layout).
///
/// Decoded items are slices of the one body array: no copy per item, and a
/// caller that drops the items can zero the body in place.
public struct DataKeyBatchRequest: Sendable {
    public struct Item: Sendable {
        /// The data key to wrap, or the wrapped blob to open.
        public var value: ArraySlice<UInt8>
        /// The canonical EncryptionContext bytes; the core checks that they are canonical.
        public var context: ArraySlice<UInt8>

        public init(value: ArraySlice<UInt8>, context: ArraySlice<UInt8>) {
            self.value = value
            self.context = context
        }
    }

    public var items: [Item]

    public init(items: [Item]) {
        self.items = items
    }

    /// Reads a request body. Only the framing is checked here: each context's
    /// pairs are found by their lengths, and their content is the core's to judge.
    public init(decoding body: [UInt8]) throws(DataKeyWireError) {
        var reader = WireReader(body)
        try reader.expect(DataKeyBatchWire.requestMagic)
        let count = Int(try reader.uint16())
        guard (1...DataKeyBatchWire.maximumItems).contains(count) else { throw .itemCount(count) }
        var items: [Item] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let value = try reader.field()
            let contextStart = reader.offset
            let pairs = Int(try reader.uint16())
            for _ in 0..<pairs {
                _ = try reader.field()
                _ = try reader.field()
            }
            items.append(Item(value: value, context: body[contextStart..<reader.offset]))
        }
        try reader.expectEnd()
        self.items = items
    }

    /// The request body.
    public func encoded() throws(DataKeyWireError) -> [UInt8] {
        var writer = try DataKeyBatchRequestWriter(count: items.count, reserving: items.reduce(0) { $0 + 2 + $1.value.count + $1.context.count })
        for item in items { try writer.append(value: item.value, context: item.context) }
        return writer.bytes
    }
}

/// Writes a request body item by item, straight from the caller's buffers
/// (a key's `withUnsafeBytes`), so no copy of a data key is made to build it.
public struct DataKeyBatchRequestWriter: Sendable {
    /// The body so far; zero it once sent when it carries data keys.
    public var bytes: [UInt8]

    /// Starts a request of `count` items; append exactly that many.
    public init(count: Int, reserving capacity: Int = 0) throws(DataKeyWireError) {
        guard (1...DataKeyBatchWire.maximumItems).contains(count) else { throw .itemCount(count) }
        bytes = DataKeyBatchWire.requestMagic
        bytes.reserveCapacity(6 + capacity)
        bytes.appendWireUInt16(count)
    }

    /// `context` must already be canonical (``DataKeyBatchWire/canonicalContext(_:)``).
    public mutating func append(value: some Collection<UInt8>, context: some Collection<UInt8>) throws(DataKeyWireError) {
        try bytes.appendWireField(value, name: "value")
        bytes.append(contentsOf: context)
    }
}
