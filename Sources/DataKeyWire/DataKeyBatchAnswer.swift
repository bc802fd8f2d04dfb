/// The core's answer to a ``DataKeyBatchRequest``: one outcome per item, in
/// the request's order (see ``DataKeyBatchWire`` for the layout).
public struct DataKeyBatchAnswer: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The wrapped blob, or the opened data key.
        case value(ArraySlice<UInt8>)
        /// Why this item failed, as the JSON batch's per-item problem says it.
        case problem(status: Int, code: String, detail: String)
    }

    public var outcomes: [Outcome]

    public init(outcomes: [Outcome]) {
        self.outcomes = outcomes
    }

    /// Reads an answer body; values are slices of `body`.
    public init(decoding body: [UInt8]) throws(DataKeyWireError) {
        var reader = WireReader(body)
        try reader.expect(DataKeyBatchWire.answerMagic)
        let count = Int(try reader.uint16())
        guard (1...DataKeyBatchWire.maximumItems).contains(count) else { throw .itemCount(count) }
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(count)
        for _ in 0..<count {
            switch try reader.uint8() {
            case 0:
                outcomes.append(.value(try reader.field()))
            case 1:
                let status = Int(try reader.uint16())
                let code = String(decoding: try reader.field(), as: UTF8.self)
                let detail = String(decoding: try reader.field(), as: UTF8.self)
                outcomes.append(.problem(status: status, code: code, detail: detail))
            case let tag:
                throw .unknownOutcome(tag)
            }
        }
        try reader.expectEnd()
        self.outcomes = outcomes
    }

    /// The answer body.
    public func encoded() throws(DataKeyWireError) -> [UInt8] {
        var writer = try DataKeyBatchAnswerWriter(count: outcomes.count)
        for outcome in outcomes {
            switch outcome {
            case .value(let value): try writer.appendValue(value)
            case .problem(let status, let code, let detail): writer.appendProblem(status: status, code: code, detail: detail)
            }
        }
        return writer.bytes
    }
}

/// Writes an answer body outcome by outcome, so the core need not build
/// ``DataKeyBatchAnswer/Outcome`` values first.
public struct DataKeyBatchAnswerWriter: Sendable {
    /// The body so far. An answer of data keys must be zeroed once sent, and
    /// written into a capacity reserved up front (``init(count:reserving:)``):
    /// an array that grows leaves its old storage, keys included, in freed memory.
    public var bytes: [UInt8]

    /// Starts an answer of `count` outcomes, with room for `capacity` bytes of them; append exactly `count`.
    public init(count: Int, reserving capacity: Int = 0) throws(DataKeyWireError) {
        guard (1...DataKeyBatchWire.maximumItems).contains(count) else { throw .itemCount(count) }
        bytes = DataKeyBatchWire.answerMagic
        bytes.reserveCapacity(6 + max(capacity, count * 64))
        bytes.appendWireUInt16(count)
    }

    /// What ``appendValue(_:)`` adds for a value of `count` bytes.
    public static func valueSize(_ count: Int) -> Int { 3 + count }

    /// What ``appendProblem(status:code:detail:)`` adds for this code and detail.
    public static func problemSize(code: String, detail: String) -> Int {
        7 + min(code.utf8.count, problemFieldLimit) + min(detail.utf8.count, problemFieldLimit)
    }

    static let problemFieldLimit = 1024

    public mutating func appendValue(_ value: some Collection<UInt8>) throws(DataKeyWireError) {
        bytes.append(0)
        try bytes.appendWireField(value, name: "value")
    }

    /// Code and detail longer than a field holds are cut: a problem is never lost for its length.
    public mutating func appendProblem(status: Int, code: String, detail: String) {
        bytes.append(1)
        bytes.appendWireUInt16(Int(UInt16(clamping: status)))
        for text in [code, detail] {
            let utf8 = Array(text.utf8.prefix(Self.problemFieldLimit))
            // 1024 bytes fit a u16 length; a cut in a multi-byte character decodes as U+FFFD.
            try? bytes.appendWireField(utf8, name: "problem")
        }
    }
}
