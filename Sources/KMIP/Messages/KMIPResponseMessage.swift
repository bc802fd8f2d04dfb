/// A KMIP response: a header and one batch item per request batch item.
public struct KMIPResponseMessage: Hashable, Sendable {
    public var header: KMIPResponseHeader
    public var batchItems: [KMIPResponseBatchItem]

    public init(header: KMIPResponseHeader, batchItems: [KMIPResponseBatchItem]) {
        self.header = header
        self.batchItems = batchItems
    }

    public var ttlv: TTLVItem {
        .structure(.responseMessage, [header.ttlv] + batchItems.map(\.ttlv))
    }

    /// Reads a Response Message (a client's view; used by tests and tools).
    public init(_ item: TTLVItem) throws(KMIPMessageError) {
        guard item.tag == .responseMessage, let header = item[.responseHeader],
              let version = header[.protocolVersion], let major = version[.protocolVersionMajor]?.integerValue,
              let minor = version[.protocolVersionMinor]?.integerValue
        else { throw .invalid("not a Response Message") }
        self.header = KMIPResponseHeader(protocolVersion: KMIPVersion(major: major, minor: minor),
                                         timeStamp: header[.timeStamp]?.dateTimeValue ?? 0, batchCount: header[.batchCount]?.integerValue ?? 0)
        self.header.clientCorrelationValue = header[.clientCorrelationValue]?.textValue
        self.batchItems = item.all(.batchItem).map { batchItem in
            var response = KMIPResponseBatchItem(
                operationCode: batchItem[.operation]?.enumerationValue,
                uniqueBatchItemID: batchItem[.uniqueBatchItemId]?.bytesValue,
                resultStatus: batchItem[.resultStatus]?.enumerationValue.flatMap(KMIPResultStatus.init(rawValue:)) ?? .operationFailed)
            response.resultReason = batchItem[.resultReason]?.enumerationValue.flatMap(KMIPResultReason.init(rawValue:))
            response.resultMessage = batchItem[.resultMessage]?.textValue
            response.payload = batchItem[.responsePayload]
            return response
        }
    }
}

public struct KMIPResponseHeader: Hashable, Sendable {
    public var protocolVersion: KMIPVersion
    public var timeStamp: Int64
    public var batchCount: Int32
    /// KMIP 1.4 and later: the request's Client Correlation Value, echoed.
    public var clientCorrelationValue: String?
    /// KMIP 1.4 and later: the server's name for this exchange (OpenKCM's audit correlation id), for the client to quote.
    public var serverCorrelationValue: String?

    public init(protocolVersion: KMIPVersion, timeStamp: Int64, batchCount: Int32) {
        self.protocolVersion = protocolVersion
        self.timeStamp = timeStamp
        self.batchCount = batchCount
    }

    public var ttlv: TTLVItem {
        var children = [protocolVersion.ttlv, TTLVItem(.timeStamp, .dateTime(timeStamp))]
        if let clientCorrelationValue, protocolVersion.defines(.clientCorrelationValue) {
            children.append(TTLVItem(.clientCorrelationValue, .textString(clientCorrelationValue)))
        }
        if let serverCorrelationValue, protocolVersion.defines(.serverCorrelationValue) {
            children.append(TTLVItem(.serverCorrelationValue, .textString(serverCorrelationValue)))
        }
        children.append(TTLVItem(.batchCount, .integer(batchCount)))
        return .structure(.responseHeader, children)
    }
}

/// The answer to one request batch item.
public struct KMIPResponseBatchItem: Hashable, Sendable {
    /// Echoed from the request (absent only when the request's could not be read).
    public var operationCode: UInt32?
    public var uniqueBatchItemID: [UInt8]?
    public var resultStatus: KMIPResultStatus
    public var resultReason: KMIPResultReason?
    public var resultMessage: String?
    public var payload: TTLVItem?

    public init(operationCode: UInt32?, uniqueBatchItemID: [UInt8]?, resultStatus: KMIPResultStatus) {
        self.operationCode = operationCode
        self.uniqueBatchItemID = uniqueBatchItemID
        self.resultStatus = resultStatus
    }

    /// A success carrying `payload` (the Response Payload's children).
    public static func success(for request: KMIPRequestBatchItem, payload: [TTLVItem]?) -> KMIPResponseBatchItem {
        var item = KMIPResponseBatchItem(operationCode: request.operationCode, uniqueBatchItemID: request.uniqueBatchItemID, resultStatus: .success)
        item.payload = payload.map { .structure(.responsePayload, $0) }
        return item
    }

    /// A failure with its reason and a message for people.
    public static func failure(for request: KMIPRequestBatchItem?, reason: KMIPResultReason, message: String) -> KMIPResponseBatchItem {
        var item = KMIPResponseBatchItem(operationCode: request?.operationCode, uniqueBatchItemID: request?.uniqueBatchItemID, resultStatus: .operationFailed)
        item.resultReason = reason
        item.resultMessage = message
        return item
    }

    public var ttlv: TTLVItem {
        var children: [TTLVItem] = []
        if let operationCode { children.append(TTLVItem(.operation, .enumeration(operationCode))) }
        if let uniqueBatchItemID { children.append(TTLVItem(.uniqueBatchItemId, .byteString(uniqueBatchItemID))) }
        children.append(TTLVItem(.resultStatus, .enumeration(resultStatus.rawValue)))
        if let resultReason { children.append(TTLVItem(.resultReason, .enumeration(resultReason.rawValue))) }
        if let resultMessage { children.append(TTLVItem(.resultMessage, .textString(resultMessage))) }
        if let payload { children.append(payload) }
        return .structure(.batchItem, children)
    }
}
