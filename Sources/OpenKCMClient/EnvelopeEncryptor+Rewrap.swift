import Crypto

/// Moving stored data off an L3 version (after `openkcm key compromise
/// --service`, or before a version is closed): each item's data key is
/// wrapped again under the service's current L3 version inside OpenKCM.
extension EnvelopeEncryptor {
    /// A record made by ``encrypt(_:context:subject:)``, moved to the current
    /// L3 version: it is opened (so a damaged record fails before anything is
    /// done), its data key rewrapped at OpenKCM, and the data sealed
    /// again under the same data key with a fresh nonce (the record's header,
    /// which holds the wrapped key, is authenticated with the data). Open it
    /// with the same context and subject as before.
    ///
    /// A stream's chunks each authenticate its header: to move a stream,
    /// decrypt it and encrypt it again with ``streamEncryptor(context:subject:chunkSize:)``.
    public func rewrapRecord(_ record: [UInt8], context: [String: String] = [:], subject: String? = nil) async throws(OpenKCMClientError) -> [UInt8] {
        let encoded = try RecordContext.encode(context)
        let parsed = try EnvelopeRecord(parsing: record)
        // Opened first: a damaged record fails here, before its key is rewrapped for nothing.
        let key = try await source.unwrap(parsed.wrappedKey, context: context, subject: subject)
        var plaintext = try parsed.open(key: key, context: encoded)
        defer { plaintext.withUnsafeMutableBytes { bytes in for index in bytes.indices { bytes[index] = 0 } } }
        let rewrapped = try await source.rewrap(parsed.wrappedKey, context: context, subject: subject)
        guard (1...EnvelopeRecord.maximumWrappedKey).contains(rewrapped.count) else {
            throw .invalidResponse("a wrapped key of \(rewrapped.count) bytes (at most \(EnvelopeRecord.maximumWrappedKey))")
        }
        return try EnvelopeRecord.seal(plaintext, key: key, wrappedKey: rewrapped, context: encoded)
    }

    /// Rewraps a sequence of stored wrapped data keys (L4 blobs kept beside
    /// their data), `concurrency` at a time, and yields one ``RewrapResult``
    /// per input in input order; a failed item carries its error and the
    /// others go on. Count the results with ``RewrapTally`` to know how many
    /// blobs still depend on an old version. The stream ends with the
    /// input's own error, if it throws; cancelling the consumer stops it.
    public func rewrap<Input: AsyncSequence & Sendable>(
        dataKeys input: Input, concurrency: Int = 16
    ) -> AsyncThrowingStream<RewrapResult, any Error> where Input.Element == RewrapRequest {
        let source = self.source
        return Self.inOrder(input, concurrency: concurrency) { request throws(OpenKCMClientError) in
            try await source.rewrap(request.bytes, context: request.context, subject: request.subject)
        } version: { Self.serviceKeyVersion(ofWrapped: $0) }
    }

    /// Rewraps a sequence of stored records (``rewrapRecord(_:context:subject:)``
    /// for each), `concurrency` at a time, yielding results in input order as
    /// ``rewrap(dataKeys:concurrency:)`` does.
    public func rewrap<Input: AsyncSequence & Sendable>(
        records input: Input, concurrency: Int = 16
    ) -> AsyncThrowingStream<RewrapResult, any Error> where Input.Element == RewrapRequest {
        Self.inOrder(input, concurrency: concurrency) { request throws(OpenKCMClientError) in
            try await self.rewrapRecord(request.bytes, context: request.context, subject: request.subject)
        } version: { bytes in
            (try? EnvelopeRecord.readHeader(bytes)).flatMap { Self.serviceKeyVersion(ofWrapped: $0.wrappedKey) }
        }
    }

    /// The L3 version an OpenKCM L4 blob names: bytes 21 to 24 of its
    /// 25-byte envelope header, big-endian (docs/record-format.md).
    static func serviceKeyVersion(ofWrapped blob: [UInt8]) -> UInt32? {
        guard blob.count > 25, blob[0] == 0x4F, blob[1] == 0x4B, blob[2] == 0x01 else { return nil }
        return blob[21..<25].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Runs `work` over the input with at most `concurrency` calls in flight
    /// and at most four times that many results waiting for an earlier one,
    /// so memory stays bounded however long the input is.
    private static func inOrder<Input: AsyncSequence & Sendable>(
        _ input: Input, concurrency: Int,
        _ work: @escaping @Sendable (RewrapRequest) async throws(OpenKCMClientError) -> [UInt8],
        version: @escaping @Sendable ([UInt8]) -> UInt32?
    ) -> AsyncThrowingStream<RewrapResult, any Error> where Input.Element == RewrapRequest {
        let concurrency = max(1, concurrency)
        let window = concurrency * 4
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await withThrowingTaskGroup(of: RewrapResult.self) { group in
                        var started = 0
                        var running = 0
                        var nextOut = 0
                        var waiting: [Int: RewrapResult] = [:]
                        func collect() async throws {
                            guard let done = try await group.next() else { return }
                            running -= 1
                            waiting[done.index] = done
                            while let ready = waiting.removeValue(forKey: nextOut) {
                                continuation.yield(ready)
                                nextOut += 1
                            }
                        }
                        for try await request in input {
                            while running >= concurrency || started - nextOut >= window { try await collect() }
                            let index = started
                            started += 1
                            running += 1
                            group.addTask {
                                let from = version(request.bytes)
                                do throws(OpenKCMClientError) {
                                    let made = try await work(request)
                                    return RewrapResult(index: index, outcome: .success(made), fromVersion: from, toVersion: version(made))
                                } catch {
                                    return RewrapResult(index: index, outcome: .failure(error), fromVersion: from, toVersion: nil)
                                }
                            }
                        }
                        while running > 0 { try await collect() }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
