/// The position of the newest entry: kept in sealed storage so that cutting
/// entries off the end of the log is noticed too.
public struct AuditHead: Sendable, Hashable, Codable {
    public var sequence: UInt64
    public var hash: String

    public static let genesis = AuditHead(sequence: 0, hash: AuditChain.genesisHash)

    public init(sequence: UInt64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }
}
