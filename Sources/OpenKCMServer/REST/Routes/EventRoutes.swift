import Foundation
import Hummingbird
import NIOCore
import OpenKCMCore
import ServiceLifecycle

/// `GET /v1/tenants/{tenant}/services/{service}/events`: server-sent events
/// for gateways (execution plane). The stream opens with `event: hello`,
/// then carries `tenant.locked`, `tenant.unlocked`, `tenant.destroyed`,
/// `service.destroyed`, `service.deactivated`, `datakey.revoked` and `subject.destroyed` (both with a `digest`) as they happen in this
/// process, and a comment every 15 s so that proxies and the gateway see a
/// dead connection. It ends at graceful shutdown.
struct EventRoutes {
    let operations: Operations
    static let keepAlive: Duration = .seconds(15)

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/tenants/:tenant/services/:service/events") { _, context in
            let events = try await operations.subscribeDataKeyEvents(tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "event: hello\ndata: {}\n\n"))
                // Bounded: a gateway that stops reading is cut off (its stream ends) once 1,024 lines wait.
                let (lines, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1024))
                // Graceful shutdown ends the stream, so a connected gateway never holds the server up.
                try await withGracefulShutdownHandler {
                    try await withThrowingDiscardingTaskGroup { group in
                        group.addTask {
                            for await event in events {
                                if case .dropped = continuation.yield(Self.line(event)) { break }
                            }
                            continuation.finish()
                        }
                        group.addTask {
                            while true {
                                try await Task.sleep(for: Self.keepAlive)
                                if case .dropped = continuation.yield(": keep-alive\n\n") { continuation.finish() }
                            }
                        }
                        for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                        group.cancelAll()
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            })
        }
    }

    static func line(_ event: KeyChainEvent) -> String {
        var data = #"{"tenant":"\#(event.tenant.rawValue)""#
        if let service = event.service { data += #","service":"\#(service.rawValue)""# }
        if case .tenantLocked(_, let cause) = event { data += #","cause":"\#(cause)""# }
        switch event {
        // A subject destroyed on another node is known without its digest: none is sent, and gateways empty their cache.
        case .dataKeyRevoked(_, _, let digest), .subjectDestroyed(_, _, let digest): if !digest.isEmpty { data += #","digest":"\#(digest)""# }
        default: break
        }
        return "event: \(event.name)\ndata: \(data)}\n\n"
    }
}
