/// A KMIP request: a header and one or more batch items, each an operation
/// with its payload. The payload stays a TTLV tree; each operation reads its own.
public struct KMIPRequestMessage: Hashable, Sendable {
    public var header: KMIPRequestHeader
    public var batchItems: [KMIPRequestBatchItem]

    public init(header: KMIPRequestHeader, batchItems: [KMIPRequestBatchItem]) {
        self.header = header
        self.batchItems = batchItems
    }

    /// Reads a Request Message. Refuses what cannot be answered at all (no
    /// header, no protocol version, no batch items); a batch item with an
    /// unknown operation is kept, to be answered on its own.
    public init(_ item: TTLVItem) throws(KMIPMessageError) {
        guard item.tag == .requestMessage, item.type == .structure else { throw .invalid("not a Request Message") }
        guard let header = item[.requestHeader] else { throw .invalid("the Request Header is missing") }
        self.header = try KMIPRequestHeader(header)
        self.batchItems = try item.all(.batchItem).map { (batchItem) throws(KMIPMessageError) in try KMIPRequestBatchItem(batchItem) }
        guard !batchItems.isEmpty else { throw .invalid("the request has no batch items") }
        if let count = self.header.batchCount, count != Int32(batchItems.count) {
            throw .invalid("Batch Count says \(count), the request holds \(batchItems.count) batch items")
        }
    }

    public var ttlv: TTLVItem {
        .structure(.requestMessage, [header.ttlv] + batchItems.map(\.ttlv))
    }
}

/// The Request Header fields OpenKCM reads; the rest are passed over.
public struct KMIPRequestHeader: Hashable, Sendable {
    public var protocolVersion: KMIPVersion
    public var maximumResponseSize: Int32?
    public var asynchronousIndicator: Bool?
    public var batchErrorContinuationOption: KMIPBatchErrorContinuationOption?
    public var batchOrderOption: Bool?
    public var timeStamp: Int64?
    public var batchCount: Int32?
    /// Credentials sent in the message; OpenKCM authenticates by the TLS client certificate.
    public var authentication: TTLVItem?
    /// KMIP 1.4 and later: echoed in the response.
    public var clientCorrelationValue: String?

    public init(protocolVersion: KMIPVersion, batchCount: Int32, maximumResponseSize: Int32? = nil) {
        self.protocolVersion = protocolVersion
        self.batchCount = batchCount
        self.maximumResponseSize = maximumResponseSize
    }

    init(_ item: TTLVItem) throws(KMIPMessageError) {
        guard let version = item[.protocolVersion], let major = version[.protocolVersionMajor]?.integerValue,
              let minor = version[.protocolVersionMinor]?.integerValue
        else { throw .invalid("the Protocol Version is missing") }
        protocolVersion = KMIPVersion(major: major, minor: minor)
        maximumResponseSize = item[.maximumResponseSize]?.integerValue
        asynchronousIndicator = item[.asynchronousIndicator]?.booleanValue
        batchErrorContinuationOption = item[.batchErrorContinuationOption]?.enumerationValue.flatMap(KMIPBatchErrorContinuationOption.init(rawValue:))
        batchOrderOption = item[.batchOrderOption]?.booleanValue
        timeStamp = item[.timeStamp]?.dateTimeValue
        batchCount = item[.batchCount]?.integerValue
        authentication = item[.authentication]
        clientCorrelationValue = item[.clientCorrelationValue]?.textValue
    }

    public var ttlv: TTLVItem {
        var children = [protocolVersion.ttlv]
        if let maximumResponseSize { children.append(TTLVItem(.maximumResponseSize, .integer(maximumResponseSize))) }
        if let asynchronousIndicator { children.append(TTLVItem(.asynchronousIndicator, .boolean(asynchronousIndicator))) }
        if let authentication { children.append(authentication) }
        if let batchErrorContinuationOption { children.append(TTLVItem(.batchErrorContinuationOption, .enumeration(batchErrorContinuationOption.rawValue))) }
        if let batchOrderOption { children.append(TTLVItem(.batchOrderOption, .boolean(batchOrderOption))) }
        if let timeStamp { children.append(TTLVItem(.timeStamp, .dateTime(timeStamp))) }
        if let clientCorrelationValue { children.append(TTLVItem(.clientCorrelationValue, .textString(clientCorrelationValue))) }
        if let batchCount { children.append(TTLVItem(.batchCount, .integer(batchCount))) }
        return .structure(.requestHeader, children)
    }
}

/// One operation of a request.
public struct KMIPRequestBatchItem: Hashable, Sendable {
    /// The operation as sent; ``operation`` is nil when this server does not know it.
    public var operationCode: UInt32
    public var uniqueBatchItemID: [UInt8]?
    public var payload: TTLVItem?
    public var messageExtension: TTLVItem?

    public var operation: KMIPOperation? { KMIPOperation(rawValue: operationCode) }

    public init(operation: KMIPOperation, uniqueBatchItemID: [UInt8]? = nil, payload: [TTLVItem]) {
        self.operationCode = operation.rawValue
        self.uniqueBatchItemID = uniqueBatchItemID
        self.payload = .structure(.requestPayload, payload)
    }

    init(_ item: TTLVItem) throws(KMIPMessageError) {
        guard item.type == .structure else { throw .invalid("a Batch Item is not a structure") }
        guard let operation = item[.operation]?.enumerationValue else { throw .invalid("a Batch Item has no Operation") }
        operationCode = operation
        uniqueBatchItemID = item[.uniqueBatchItemId]?.bytesValue
        payload = item[.requestPayload]
        messageExtension = item[.messageExtension]
    }

    public var ttlv: TTLVItem {
        var children = [TTLVItem(.operation, .enumeration(operationCode))]
        if let uniqueBatchItemID { children.append(TTLVItem(.uniqueBatchItemId, .byteString(uniqueBatchItemID))) }
        if let payload { children.append(payload) }
        if let messageExtension { children.append(messageExtension) }
        return .structure(.batchItem, children)
    }
}

extension KMIPVersion {
    public var ttlv: TTLVItem {
        .structure(.protocolVersion, [TTLVItem(.protocolVersionMajor, .integer(major)), TTLVItem(.protocolVersionMinor, .integer(minor))])
    }
}
