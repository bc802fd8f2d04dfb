/// The data-key channel: one persistent connection from a gateway to the
/// core's channel listener that carries ``DataKeyBatchWire`` bodies without
/// an HTTP request per batch. The gateway says who it is once (`hello`, with
/// the same bearer token it would send over REST); the core checks the token
/// again for every batch, so a revoked identity or a seal stops the next one.
///
/// ```
/// frame   := u32 n kind payload[n - 1]          n from 1 to maximumFrameSize
/// hello   := 0x01 "OKC1" u16 n token[n] u16 n tenant[n] u16 n service[n]
/// wrap    := 0x02 request                        (a DataKeyBatchWire request)
/// unwrap  := 0x03 request
/// rewrap  := 0x04 request                        (wrapped blobs to wrap again under the current L3)
/// ready   := 0x81                                (the hello was accepted)
/// answer  := 0x82 answer                         (a DataKeyBatchWire answer)
/// refusal := 0xFF u16 status u16 n code[n] u16 n detail[n]
/// ```
///
/// Frames are answered one at a time, in order: a gateway keeps several
/// connections for several batches in flight. A refused hello is followed by
/// the core closing the connection; a refused batch is not.
public enum DataKeyChannelWire {
    /// A frame's length (its kind and payload) is at most this: a batch body
    /// of 1,000 items fits, as it does the REST body limit of 1 MiB.
    public static let maximumFrameSize = (1 << 20) + 1
    /// A connection's first frame, the hello, is at most this: before the
    /// token is checked, a peer may not make the core hold a megabyte.
    public static let maximumHelloFrameSize = 16 << 10
    /// An answer frame is at most this: 1,000 outcomes that are each a
    /// problem with the longest code and detail take about 2 MB.
    public static let maximumAnswerFrameSize = 4 << 20

    public enum Kind: UInt8, Sendable {
        case hello = 0x01
        case wrap = 0x02
        case unwrap = 0x03
        case rewrap = 0x04
        case ready = 0x81
        case answer = 0x82
        case refusal = 0xFF
    }

    static let helloMagic: [UInt8] = Array("OKC1".utf8)

    /// A frame's first five bytes, for a payload of `payloadCount` bytes.
    public static func header(_ kind: Kind, payloadCount: Int) -> [UInt8] {
        let length = UInt32(truncatingIfNeeded: payloadCount + 1)
        return [UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), kind.rawValue]
    }

    /// The length a frame's first four bytes announce, if the frame may be that long.
    public static func frameLength(_ prefix: some Collection<UInt8>, maximum: Int = maximumFrameSize) throws(DataKeyWireError) -> Int {
        guard prefix.count >= 4 else { throw .truncated }
        let length = prefix.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard (1...maximum).contains(length) else { throw .frameSize(length) }
        return length
    }

    /// What a gateway presents when it connects.
    public struct Hello: Sendable, Equatable {
        public var token: String
        public var tenant: String
        public var service: String

        public init(token: String, tenant: String, service: String) {
            self.token = token
            self.tenant = tenant
            self.service = service
        }

        /// Reads a hello's payload (the bytes after its kind).
        public init(decoding payload: [UInt8]) throws(DataKeyWireError) {
            var reader = WireReader(payload)
            try reader.expect(DataKeyChannelWire.helloMagic)
            func text() throws(DataKeyWireError) -> String {
                let field = try reader.field()
                guard let text = String(validating: field, as: UTF8.self) else { throw .invalidText }
                return text
            }
            token = try text()
            tenant = try text()
            service = try text()
            try reader.expectEnd()
        }

        /// The whole frame, header included, written into one array sized up
        /// front (no copy of the token is left behind). It carries the token: zero it once sent.
        public func frame() throws(DataKeyWireError) -> [UInt8] {
            let fields = [("token", token.utf8), ("tenant", tenant.utf8), ("service", service.utf8)]
            for (name, field) in fields where field.count > Int(UInt16.max) { throw .fieldTooLong(field: name, length: field.count) }
            let payloadCount = DataKeyChannelWire.helloMagic.count + fields.reduce(0) { $0 + 2 + $1.1.count }
            var frame = DataKeyChannelWire.header(.hello, payloadCount: payloadCount)
            frame.reserveCapacity(5 + payloadCount)
            frame += DataKeyChannelWire.helloMagic
            for (_, field) in fields {
                frame.appendWireUInt16(field.count)
                frame.append(contentsOf: field)
            }
            return frame
        }
    }

    /// Why a hello or a whole batch was refused, as a REST problem would say it.
    public struct Refusal: Sendable, Equatable, Error {
        public var status: Int
        public var code: String
        public var detail: String

        public init(status: Int, code: String, detail: String) {
            self.status = status
            self.code = code
            self.detail = detail
        }

        public init(decoding payload: [UInt8]) throws(DataKeyWireError) {
            var reader = WireReader(payload)
            status = Int(try reader.uint16())
            code = String(decoding: try reader.field(), as: UTF8.self)
            detail = String(decoding: try reader.field(), as: UTF8.self)
            try reader.expectEnd()
        }

        /// The whole frame; code and detail are cut to 1,024 bytes each, as a batch item's problem is.
        public func frame() -> [UInt8] {
            var payload: [UInt8] = []
            payload.appendWireUInt16(Int(UInt16(clamping: status)))
            for text in [code, detail] {
                try? payload.appendWireField(Array(text.utf8.prefix(DataKeyBatchAnswerWriter.problemFieldLimit)), name: "refusal")
            }
            return DataKeyChannelWire.header(.refusal, payloadCount: payload.count) + payload
        }
    }
}
