/// The governance plane answered a regional core's request with an error.
public struct GovernanceClientError: Error, CustomStringConvertible {
    public let status: Int
    public let detail: String
    public var description: String { "the governance plane answered \(status): \(detail)" }
}
