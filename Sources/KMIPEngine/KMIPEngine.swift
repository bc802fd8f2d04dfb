import Foundation
public import KMIP

/// KMIP's message layer, with no I/O: request bytes in, response bytes out.
/// It negotiates the protocol version, answers each batch item on its own
/// (a failing item does not fail its neighbours), and never lets a tag the
/// negotiated version does not define into a response. Operations are
/// handlers registered per operation; an unknown or unregistered operation is
/// answered with Operation Not Supported. `Caller` is whoever the listener
/// recognised on the connection (the core's identity, or the gateway's client).
public struct KMIPEngine<Caller: Sendable>: Sendable {
    /// One operation: reads its request payload, returns its response payload's items.
    public typealias Handler = @Sendable (_ payload: TTLVItem, _ request: KMIPRequestContext) async throws(KMIPOperationError) -> [TTLVItem]

    /// The versions served, in order of preference (newest first).
    public static var supportedVersions: [KMIPVersion] { servedVersions }

    public var vendorIdentification: String
    /// How many batch items one request may carry; a larger batch is refused whole with Invalid Message.
    /// Each item may be a key operation: the cap bounds the work one message asks for.
    public var maximumBatchItems = 256
    /// The largest response this server sends; a request's Maximum Response
    /// Size lowers it. Answers are bounded like requests, so no request buys a
    /// response many times its size (a Locate over every object, a batch of
    /// Gets of one large object): the items past the bound are answered
    /// Response Too Large and the client pages (Maximum Items, Offset Items) or
    /// splits the batch. Nil: the decoder's message size.
    public var maximumResponseSize: Int?
    private var handlers: [KMIPOperation: Handler] = [:]
    let decoder: TTLVDecoder
    public var limits: TTLVLimits { decoder.limits }
    let clock: @Sendable () -> Int64

    public init(vendorIdentification: String = "OpenKCM", limits: TTLVLimits = .default,
                clock: @escaping @Sendable () -> Int64 = { unixTime() }) {
        self.vendorIdentification = vendorIdentification
        self.decoder = TTLVDecoder(limits: limits)
        self.clock = clock
        handlers[.discoverVersions] = { payload, _ in Self.discoverVersions(payload) }
    }

    /// What a handler knows of the request besides its payload.
    public struct KMIPRequestContext: Sendable {
        public var version: KMIPVersion
        /// The connection's identity; nil only in tests without a listener.
        public var caller: Caller?
    }

    /// Adds (or replaces) the handler for `operation`; Query reports it from then on.
    public mutating func register(_ operation: KMIPOperation, _ handler: @escaping Handler) {
        handlers[operation] = handler
    }

    public var supportedOperations: [KMIPOperation] {
        (handlers.keys + [.query]).sorted { $0.rawValue < $1.rawValue }
    }

    /// The response to one request message (whole TTLV bytes).
    public func respond(to bytes: [UInt8], caller: Caller? = nil) async -> [UInt8] {
        let request: KMIPRequestMessage
        do {
            request = try KMIPRequestMessage(try decoder.decode(bytes))
        } catch let error as TTLVError {
            return encode(failure: .invalidMessage, "the message is not valid TTLV: \(error)", version: Self.version(near: Self.peekVersion(bytes)))
        } catch let error as KMIPMessageError {
            return encode(failure: error.reason, error.message, version: Self.version(near: Self.peekVersion(bytes)))
        } catch {
            return encode(failure: .generalFailure, "the message could not be read", version: .v1_0)
        }
        let requested = request.header.protocolVersion
        guard Self.supportedVersions.contains(requested) else {
            return encode(failure: .invalidMessage, "KMIP \(requested) is not supported; this server speaks \(Self.supportedVersions.map(\.description).joined(separator: ", "))",
                          version: Self.version(near: requested))
        }
        guard request.batchItems.count <= maximumBatchItems else {
            return encode(failure: .invalidMessage, "a request carries at most \(maximumBatchItems) batch items; this one has \(request.batchItems.count)",
                          version: requested)
        }
        let items = await answer(request, context: KMIPRequestContext(version: requested, caller: caller))
        var header = KMIPResponseHeader(protocolVersion: requested, timeStamp: clock(), batchCount: Int32(items.count))
        header.clientCorrelationValue = request.header.clientCorrelationValue
        header.serverCorrelationValue = caller.flatMap { serverCorrelationValue?($0) }
        let bound = responseBound(asked: request.header.maximumResponseSize)
        let encoded = TTLVEncoder.encode(Self.restricted(KMIPResponseMessage(header: header, batchItems: items).ttlv, to: requested))
        guard encoded.count > bound else { return encoded }
        return TTLVEncoder.encode(Self.restricted(KMIPResponseMessage(header: header, batchItems: Self.bounded(items, to: bound, version: requested)).ttlv,
                                                  to: requested))
    }

    /// The response bound for a request: the server's, or the client's Maximum Response Size when smaller.
    func responseBound(asked: Int32?) -> Int {
        let server = maximumResponseSize ?? decoder.limits.maximumMessageSize
        guard let asked, asked > 0 else { return server }
        return min(server, Int(asked))
    }

    /// The batch items kept whole while the message stays within `bound`; each
    /// later one answered Response Too Large (its operation did run: only its
    /// answer is withheld). Its message says how large the answer was.
    static func bounded(_ items: [KMIPResponseBatchItem], to bound: Int, version: KMIPVersion) -> [KMIPResponseBatchItem] {
        // Header and message framing, generously: 8 bytes of message TTLV header, a response header well under 256 bytes.
        var used = 256
        var kept: [KMIPResponseBatchItem] = []
        var overflowing = false
        for item in items {
            let size = TTLVEncoder.encode(restricted(item.ttlv, to: version)).count
            if !overflowing, used + size <= bound {
                used += size
                kept.append(item)
                continue
            }
            overflowing = true
            var refused = KMIPResponseBatchItem(operationCode: item.operationCode, uniqueBatchItemID: item.uniqueBatchItemID, resultStatus: .operationFailed)
            refused.resultReason = .responseTooLarge
            // What an item made or changed stays named: its identifiers are small, and a client must not lose track of an object it created.
            let identifiers = item.payload?.children.filter { $0.tag == .uniqueIdentifier || $0.tag == .privateKeyUniqueIdentifier || $0.tag == .publicKeyUniqueIdentifier } ?? []
            if !identifiers.isEmpty { refused.payload = .structure(.responsePayload, identifiers) }
            refused.resultMessage = "the answer (\(size) bytes) would exceed the response bound of \(bound) bytes: page with Maximum Items and Offset Items, or send fewer batch items"
            kept.append(refused)
        }
        return kept
    }

    /// Fails every batch item of the request with `reason` (in the request's
    /// version when it can be read): a refused connection still gets a KMIP answer.
    public func refuse(_ bytes: [UInt8], reason: KMIPResultReason, message: String) -> [UInt8] {
        guard let request = try? KMIPRequestMessage(try decoder.decode(bytes)), Self.supportedVersions.contains(request.header.protocolVersion) else {
            return encode(failure: reason, message, version: Self.version(near: Self.peekVersion(bytes)))
        }
        let version = request.header.protocolVersion
        let items = request.batchItems.map { KMIPResponseBatchItem.failure(for: $0, reason: reason, message: message) }
        let header = KMIPResponseHeader(protocolVersion: version, timeStamp: clock(), batchCount: Int32(items.count))
        return TTLVEncoder.encode(Self.restricted(KMIPResponseMessage(header: header, batchItems: items).ttlv, to: version))
    }

    /// Answers a request's batch items in order, as its Batch Error
    /// Continuation Option says: Stop (the default) answers nothing after a
    /// failed item, Continue answers every item, Undo also reverts what the
    /// items before the failure changed and answers them Operation Undone.
    /// Items share the ID Placeholder.
    private func answer(_ request: KMIPRequestMessage, context: KMIPRequestContext) async -> [KMIPResponseBatchItem] {
        let option = request.header.batchErrorContinuationOption ?? .stop
        var placeholder: String?
        var items: [KMIPResponseBatchItem] = []
        func answerItems() async {
            for item in request.batchItems {
                let answered = await answer(item, context: context, placeholder: &placeholder)
                items.append(answered)
                if answered.resultStatus == .operationFailed && option != .continue { break }
            }
        }
        guard option == .undo, request.batchItems.count > 1, let undoScope else {
            await answerItems()
            return items
        }
        let restore = await undoScope { await answerItems() }
        if items.last?.resultStatus == .operationFailed, items.count > 1, await restore(context.caller) {
            for index in items.indices.dropLast() where items[index].resultStatus == .success {
                // Its Unique Identifier stays, naming what was undone (BL-M-2-21); nothing else of the answer holds.
                items[index].resultStatus = .operationUndone
                let identifiers = items[index].payload?.children.filter { $0.tag == .uniqueIdentifier } ?? []
                items[index].payload = identifiers.isEmpty ? nil : .structure(.responsePayload, identifiers)
            }
        }
        return items
    }

    private func answer(_ item: KMIPRequestBatchItem, context: KMIPRequestContext, placeholder: inout String?) async -> KMIPResponseBatchItem {
        guard let operation = item.operation else {
            return .failure(for: item, reason: .operationNotSupported, message: "operation 0x\(String(item.operationCode, radix: 16)) is not supported")
        }
        do {
            let payload = try Self.substitutingPlaceholder(in: item.payload ?? .structure(.requestPayload, []), operation: operation, placeholder: placeholder)
            if operation == .query { return .success(for: item, payload: try query(payload, version: context.version)) }
            guard let handler = handlers[operation] else {
                return .failure(for: item, reason: .operationNotSupported, message: "\(operation) is not supported")
            }
            let answer = try await handler(payload, context)
            Self.updatePlaceholder(&placeholder, after: operation, answer: answer)
            return .success(for: item, payload: answer)
        } catch {
            var failed = KMIPResponseBatchItem.failure(for: item, reason: error.reason, message: error.message)
            if let payload = error.payload { failed.payload = .structure(.responsePayload, payload) }
            return failed
        }
    }

    /// How a batch under Batch Error Continuation Option Undo runs: the scope
    /// runs `answerItems` (recording what they change), and returns what
    /// restores those changes after a failed item: true when all were
    /// restored, false when none were (another client changed one meanwhile);
    /// then the earlier items stay answered Success, which they are. Without a
    /// scope, Undo is answered like Stop.
    public typealias UndoScope = @Sendable (_ answerItems: () async -> Void) async -> @Sendable (Caller?) async -> Bool
    public var undoScope: UndoScope?

    // MARK: ID Placeholder

    /// Operations whose Unique Identifier may be left out, meaning "the ID Placeholder".
    static var placeholderOperations: Set<KMIPOperation> { operationsTakingThePlaceholder }

    /// The payload with the ID Placeholder written in where the client left
    /// the Unique Identifier out (or, in KMIP 2.x, named the placeholder).
    static func substitutingPlaceholder(in payload: TTLVItem, operation: KMIPOperation, placeholder: String?) throws(KMIPOperationError) -> TTLVItem {
        guard placeholderOperations.contains(operation) else { return payload }
        // ReKey Key Pair names its key in Private Key Unique Identifier.
        let field: TTLVTag = operation == .rekeyKeyPair ? .privateKeyUniqueIdentifier : .uniqueIdentifier
        // A ReKey Key Pair that names its key in Unique Identifier names it too.
        if operation == .rekeyKeyPair, payload[.uniqueIdentifier]?.textValue != nil { return payload }
        let given = payload[field]
        if given?.textValue != nil { return payload }
        if let given {
            // KMIP 2.x: Unique Identifier Enumeration 1 is the ID Placeholder; the rest are not served.
            guard given.enumerationValue == 1 else {
                throw KMIPOperationError(.featureNotSupported, "a Unique Identifier is a text string or the ID Placeholder")
            }
        }
        guard let placeholder else {
            throw KMIPOperationError(.invalidField, "a Unique Identifier is required: no earlier item of this batch left one in the ID Placeholder")
        }
        let children = payload.children.filter { $0.tag != field }
        return .structure(payload.tag, [TTLVItem(field, .textString(placeholder))] + children)
    }

    /// Create, Register and ReKey (Create Key Pair: the private key's) leave the new object's identifier in the ID
    /// Placeholder; Locate leaves it only when it found exactly one object, and
    /// empties it otherwise, so that batched items after an ambiguous Locate fail.
    static func updatePlaceholder(_ placeholder: inout String?, after operation: KMIPOperation, answer: [TTLVItem]) {
        let identifiers = answer.filter { $0.tag == .uniqueIdentifier }.compactMap(\.textValue)
        switch operation {
        case .create, .register, .rekey, .deriveKey: placeholder = identifiers.first ?? placeholder
        // A key pair leaves its private key's identifier (KMIP 1.x 4.2, 2.x 6.1.9).
        case .createKeyPair, .rekeyKeyPair: placeholder = answer.first { $0.tag == .privateKeyUniqueIdentifier }?.textValue ?? placeholder
        case .locate: placeholder = identifiers.count == 1 ? identifiers[0] : nil
        default: break
        }
    }

    // MARK: Discover Versions and Query

    /// The versions both sides speak, in this server's order of preference; all of them for an empty list.
    static func discoverVersions(_ payload: TTLVItem) -> [TTLVItem] {
        let offered = payload.all(.protocolVersion).compactMap { item -> KMIPVersion? in
            guard let major = item[.protocolVersionMajor]?.integerValue, let minor = item[.protocolVersionMinor]?.integerValue else { return nil }
            return KMIPVersion(major: major, minor: minor)
        }
        let common = offered.isEmpty ? supportedVersions : supportedVersions.filter(offered.contains)
        return common.map(\.ttlv)
    }

    /// Query: the operations and object types this server handles, and who it is.
    func query(_ payload: TTLVItem, version: KMIPVersion) throws(KMIPOperationError) -> [TTLVItem] {
        let functions = payload.all(.queryFunction).compactMap(\.enumerationValue)
        var items: [TTLVItem] = []
        if functions.contains(KMIPQueryFunction.queryOperations.rawValue) {
            items += supportedOperations.filter { $0.introducedIn <= version }.map { TTLVItem(.operation, .enumeration($0.rawValue)) }
        }
        if functions.contains(KMIPQueryFunction.queryObjects.rawValue) {
            items += queryObjectTypes.map { TTLVItem(.objectType, .enumeration($0.rawValue)) }
        }
        if functions.contains(KMIPQueryFunction.queryServerInformation.rawValue) {
            items.append(TTLVItem(.vendorIdentification, .textString(vendorIdentification)))
        }
        return items
    }

    /// The Server Correlation Value of a response to `Caller` (KMIP 1.4 on): at the core, the audit
    /// correlation id its operations were logged under, so a client can name the exchange to an operator.
    public var serverCorrelationValue: (@Sendable (Caller) -> String)?

    /// Object types reported by Query Objects.
    public var queryObjectTypes: [KMIPObjectType] = []

    // MARK: Encoding

    private func encode(failure reason: KMIPResultReason, _ message: String, version: KMIPVersion) -> [UInt8] {
        let header = KMIPResponseHeader(protocolVersion: version, timeStamp: clock(), batchCount: 1)
        let response = KMIPResponseMessage(header: header, batchItems: [.failure(for: nil, reason: reason, message: message)])
        return TTLVEncoder.encode(Self.restricted(response.ttlv, to: version))
    }

    /// Drops every KMIP tag `version` does not define (extension tags stay):
    /// the last guard that a 1.0 client never sees a 1.2 or 2.0 field.
    static func restricted(_ item: TTLVItem, to version: KMIPVersion) -> TTLVItem {
        guard case .structure(let children) = item.value else { return item }
        let kept = children.filter { version.defines($0.tag) || $0.tag.isExtension }.map { restricted($0, to: version) }
        return TTLVItem(item.tag, .structure(kept))
    }

    /// The supported version closest to `requested` without going over it (1.0 at the least).
    static func version(near requested: KMIPVersion?) -> KMIPVersion {
        guard let requested else { return .v1_0 }
        return supportedVersions.first { $0 <= requested } ?? .v1_0
    }

    /// The protocol version of a message that could not be read whole, if its header can be.
    static func peekVersion(_ bytes: [UInt8]) -> KMIPVersion? {
        guard let item = try? TTLVDecoder().decode(bytes), let version = item[.requestHeader]?[.protocolVersion],
              let major = version[.protocolVersionMajor]?.integerValue, let minor = version[.protocolVersionMinor]?.integerValue
        else { return nil }
        return KMIPVersion(major: major, minor: minor)
    }

    public static func unixTime() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}

// Stored once: a generic type cannot hold static stored properties, and these are read on every batch item.
private let servedVersions: [KMIPVersion] = [.v2_1, .v2_0, .v1_4, .v1_3, .v1_2, .v1_1, .v1_0]
private let operationsTakingThePlaceholder: Set<KMIPOperation> = [
    .get, .getAttributes, .getAttributeList, .addAttribute, .modifyAttribute, .deleteAttribute, .setAttribute,
    .activate, .revoke, .destroy, .rekey, .encrypt, .decrypt, .mac, .macVerify, .check, .sign, .signatureVerify, .deriveKey, .rekeyKeyPair,
]
