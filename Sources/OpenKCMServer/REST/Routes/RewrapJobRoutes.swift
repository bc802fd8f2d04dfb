import Foundation
import Hummingbird
import NIOCore
import Synchronization
import OpenKCMCore

/// `.../services/{service}/rewrap-jobs`: background jobs rewrapping an
/// application's stored data keys (``RewrapJobRunner``), and
/// `.../services/{service}/keys/{version}/compromise|close` for the L3
/// versions they move the keys away from.
struct RewrapJobRoutes {
    let operations: Operations
    /// A job's body: up to ``RewrapJob/maximumItems`` blobs of about 160 bytes of JSON each.
    static let maximumBodyBytes = 24 << 20
    /// Job bodies read at once, each parsed whole: bounds their memory.
    static let maximumUploads = 2
    static let uploads = Atomic<Int>(0)

    func register(on router: Router<OpenKCMRequestContext>) {
        let prefix = "/v1/tenants/:tenant/services/:service"
        router.post("\(prefix)/rewrap-jobs") { request, context in
            // Who may send one is settled before up to 24 MiB is read into memory, and at most two are read at once.
            try await operations.authorize(.rewrapJobStart, caller: context.caller, tenant: try context.tenant(), service: try context.service())
            guard Self.uploads.add(1, ordering: .relaxed).newValue <= Self.maximumUploads else {
                Self.uploads.subtract(1, ordering: .relaxed)
                throw ProblemDetails(status: .tooManyRequests, code: "rewrap_job.busy", detail: "two rewrap jobs are being uploaded: try again shortly")
            }
            defer { Self.uploads.subtract(1, ordering: .relaxed) }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
            } catch is NIOTooManyBytesError {
                throw ProblemDetails(status: .contentTooLarge, code: "request.too_large",
                                     detail: "a rewrap job's body may be at most 24 MiB (100,000 data keys): split the data keys into several jobs")
            }
            let body = try Self.decode(Data(buffer.readableBytesView))
            let items = try body.items.map { item in
                RewrapJobItem(wrapped: try JSONBody.base64(item.wrapped, field: "wrapped"), context: item.context, subject: item.subject)
            }
            let job = try await operations.startRewrapJob(
                items, tenant: try context.tenant(), service: try context.service(), rate: body.rate,
                caller: context.caller)
            return try JSONBody.response(RewrapJobView(job, now: operations.core.now()), status: .accepted)
        }
        router.get("\(prefix)/rewrap-jobs") { _, context in
            let jobs = try await operations.rewrapJobs(tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            let now = operations.core.now()
            return try JSONBody.response(["jobs": jobs.map { RewrapJobView($0, now: now) }])
        }
        router.get("\(prefix)/rewrap-jobs/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            let job = try await operations.rewrapJob(id, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            return try JSONBody.response(RewrapJobView(job, now: operations.core.now()))
        }
        router.get("\(prefix)/rewrap-jobs/:id/output") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let chunk = request.uri.queryParameters.get("chunk", as: Int.self), chunk >= 0 else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_chunk", detail: "chunk is a chunk index, 0 or more")
            }
            let outcomes = try await operations.rewrapJobOutput(
                id, chunk: chunk, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            return try JSONBody.response(RewrapJobOutputView(chunk: chunk, outcomes: outcomes))
        }
        router.post("\(prefix)/keys/:version/compromise") { _, context in
            let version = try Self.version(context)
            let result = try await operations.compromiseServiceKey(try context.service(), tenant: try context.tenant(), version: version, caller: context.caller)
            return try JSONBody.response(result)
        }
        router.post("\(prefix)/keys/:version/close") { _, context in
            let version = try Self.version(context)
            try await operations.closeServiceKey(try context.service(), tenant: try context.tenant(), version: version, caller: context.caller)
            return try JSONBody.response(["closed": "L3 v\(version)"])
        }
    }

    static func version(_ context: OpenKCMRequestContext) throws -> UInt32 {
        guard let version = context.parameters.get("version", as: UInt32.self), version > 0 else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_version", detail: "a key version is a positive integer")
        }
        return version
    }

    struct Body: Decodable {
        struct Item: Decodable {
            var wrapped: String
            var context: [String: String]?
            var subject: String?
        }
        var items: [Item]
        var rate: Int?
    }

    static func decode(_ data: Data) throws -> Body {
        _ = try JSONBody.object(data, fields: ["items", "rate"])
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_json",
                                 detail: "a rewrap job is {\"items\": [{\"wrapped\": base64, \"context\": {...}, \"subject\": ...}], \"rate\": N}")
        }
    }
}

/// One chunk of a job's output: item `chunk * 1000 + i` of the input is `outcomes[i]`.
struct RewrapJobOutputView: Encodable {
    struct Outcome: Encodable {
        var wrapped: String?
        var fromVersion: UInt32?
        var error: String?
    }
    var chunk: Int
    var first: Int
    var outcomes: [Outcome]

    init(chunk: Int, outcomes: [RewrapJobOutcome]) {
        self.chunk = chunk
        self.first = chunk * RewrapJob.chunkSize
        self.outcomes = outcomes.map { Outcome(wrapped: $0.wrapped?.base64EncodedString(), fromVersion: $0.fromVersion, error: $0.error) }
    }
}
