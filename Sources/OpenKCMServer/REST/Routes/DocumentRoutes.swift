import Foundation
import Hummingbird

/// `/openapi.json` and `/metrics`: public, read-only documents.
struct DocumentRoutes {
    let operations: Operations
    let metrics: ServerMetrics

    /// The OpenAPI 3.1 description of every route (OpenAPIDocumentTests keeps it true).
    static let openAPI: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Data("{}".utf8)
        }
        return data
    }()

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: Self.openAPI)))
        }
        router.get("/metrics") { _, _ in
            let text = await metrics.scrape(core: operations.core)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
