/// Gathers concurrent requests into batches: while `inFlight` batches are
/// out, new requests queue, and the next batch takes everything queued (up
/// to `limit`). Under load batches grow by themselves; alone, a request goes
/// at once.
actor BatchCoalescer<Item: Sendable, Answer: Sendable> {
    typealias Send = @Sendable ([Item]) async -> [Result<Answer, GatewayError>]

    private let send: Send
    private let limit: Int
    private let maximumInFlight: Int
    private var queue: [(item: Item, reply: CheckedContinuation<Answer, any Error>)] = []
    private var inFlight = 0
    /// Called with each batch's size, for metrics.
    private let observe: @Sendable (Int) -> Void

    init(limit: Int, inFlight: Int, observe: @escaping @Sendable (Int) -> Void = { _ in }, send: @escaping Send) {
        self.send = send
        self.limit = limit
        self.maximumInFlight = inFlight
        self.observe = observe
    }

    func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { reply in
            queue.append((item, reply))
            if inFlight < maximumInFlight { startBatch() }
        }
    }

    private func startBatch() {
        guard !queue.isEmpty else { return }
        let batch = Array(queue.prefix(limit))
        queue.removeFirst(batch.count)
        inFlight += 1
        observe(batch.count)
        let send = self.send
        Task {
            let answers = await send(batch.map(\.item))
            for (index, entry) in batch.enumerated() {
                switch index < answers.count ? answers[index] : .failure(.unavailable("the core answered fewer items than were sent")) {
                case .success(let answer): entry.reply.resume(returning: answer)
                case .failure(let error): entry.reply.resume(throwing: error)
                }
            }
            self.finished()
        }
    }

    private func finished() {
        inFlight -= 1
        startBatch()
    }
}
