import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpenKCMCore
import OpenKCMServer

/// A server over one store and one audit file, rebuilt at will to model a restart.
struct ServerHarness {
    let storage = InMemoryStorage()
    let directory: URL
    let keystores = KeystoreRegistry()
    let l1 = SoftwareKeystore(name: "customer-l1")
    let otherL1 = SoftwareKeystore(name: "customer-l1-b")

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keystores.register(l1)
        keystores.register(otherL1)
    }

    var auditPath: String { directory.appendingPathComponent("audit.log").path }

    func makeCore(auditPath: String? = nil, mode: AuditLogFile.SyncMode = .group, segmentBytes: Int = 64 << 20) async throws -> ServerCore {
        try await ServerCore(backend: storage, keystores: keystores,
                             auditLog: AuditLogFile(path: auditPath ?? self.auditPath, mode: mode, segmentBytes: segmentBytes))
    }

    func application(_ core: ServerCore, plane: ServerPlane = .all) -> some ApplicationProtocol {
        Application(router: buildRouter(operations: Operations(core: core), plane: plane), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// An initialised core with each tenant given a `payments` service under this
    /// harness's L1 and a crypto identity for it; returns the identities' tokens by tenant.
    func coreWithTenants(_ names: [String]) async throws -> (ServerCore, [String: String]) {
        let core = try await makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        var tokens: [String: String] = [:]
        for name in names {
            try await unsealed.keyChain.createTenant(TenantID(name), l1: l1.reference)
            try await unsealed.keyChain.createService(ServiceID("payments"), tenant: TenantID(name))
            tokens[name] = try await unsealed.identities.create(name: "\(name)-app", role: .crypto, tenant: TenantID(name), service: ServiceID("payments")).token
        }
        return (core, tokens)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A JSON answer from the server.
struct Answer: @unchecked Sendable {
    let status: Int
    let json: [String: Any]
    let contentType: String?
    let correlationID: String?

    subscript(_ key: String) -> Any? { json[key] }
    func string(_ key: String) -> String { json[key] as? String ?? "" }
}

extension TestClientProtocol {
    /// Sends a request with an optional bearer token and JSON body (a value, or raw text).
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: Any? = nil, raw: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let raw { body = ByteBuffer(string: raw) }
        if let json { body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)) }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            let data = Data(response.body.readableBytesView)
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return Answer(status: response.status.code, json: object, contentType: response.headers[.contentType],
                          correlationID: response.headers[HTTPField.Name("X-Correlation-ID")!])
        }
    }
}

extension ServerHarness {
    /// The core's data-key channel on a free loopback port for the duration of `body`, which gets the port.
    func withChannel<T: Sendable>(_ core: ServerCore, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let listener = try DataKeyChannelListener(configuration: DataKeyChannelConfiguration(host: "127.0.0.1", port: 0),
                                                  operations: Operations(core: core), tls: nil, onListening: { port.yield($0) })
        let running = Task { try await listener.run() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        return try await body(bound)
    }
}
