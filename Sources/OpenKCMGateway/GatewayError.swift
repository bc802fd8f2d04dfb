/// A refusal the gateway passes on to the application as a problem:
/// the core's own code and status when the core refused.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var detail: String

    public init(status: Int, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(status) \(code): \(detail)" }

    static func unavailable(_ detail: String) -> GatewayError {
        GatewayError(status: 503, code: "gateway.core_unavailable", detail: detail)
    }
}
