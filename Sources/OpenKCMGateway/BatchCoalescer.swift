/// Gathers concurrent requests into batches: while `inFlight` batches are
/// out, new requests queue, and the next batch takes everything queued (up
/// to `limit`). Under load batches grow by themselves; alone, a request goes
/// at once.
actor BatchCoalescer<Item: Sendable, Answer: Sendable> {
    typealias Send = @Sendable ([Item]) async -> [Result<Answer, GatewayError>]

    private let send: Send
    private let limit: Int
    private let maximumInFlight: Int
    /// Bytes a batch may carry, by `cost`: the core takes request bodies up to 1 MiB.
    private let budget: Int
    private let cost: @Sendable (Item) -> Int
    /// Requests that may wait at once; past it, new ones are refused (the core is not keeping up).
    private let maximumQueued: Int
    private var queue: [(item: Item, reply: CheckedContinuation<Answer, any Error>)] = []
    private var inFlight = 0
    /// Called with each batch's size, for metrics.
    private let observe: @Sendable (Int) -> Void

    init(limit: Int, inFlight: Int, budget: Int = 768 << 10, maximumQueued: Int = 100_000, cost: @escaping @Sendable (Item) -> Int = { _ in 1 },
         observe: @escaping @Sendable (Int) -> Void = { _ in }, send: @escaping Send) {
        self.send = send
        self.limit = limit
        self.maximumInFlight = inFlight
        self.budget = budget
        self.maximumQueued = maximumQueued
        self.cost = cost
        self.observe = observe
    }

    func submit(_ item: Item) async throws -> Answer {
        guard queue.count < maximumQueued else {
            throw GatewayError(status: 503, code: "gateway.overloaded", detail: "too many requests are waiting for the core; retry")
        }
        return try await withCheckedThrowingContinuation { reply in
            queue.append((item, reply))
            if inFlight < maximumInFlight { startBatch() }
        }
    }

    private func startBatch() {
        guard !queue.isEmpty else { return }
        // Up to `limit` items and `budget` bytes; always at least one.
        var count = 0
        var bytes = 0
        for entry in queue.prefix(limit) {
            bytes += cost(entry.item)
            if count > 0 && bytes > budget { break }
            count += 1
        }
        let batch = Array(queue.prefix(count))
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
