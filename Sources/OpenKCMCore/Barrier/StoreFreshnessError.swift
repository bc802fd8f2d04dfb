/// Why a node sharing its store could not say how fresh its memory is.
public enum StoreFreshnessError: OpenKCMError, Equatable {
    /// The shared store did not answer (in time, or at all): the node
    /// refuses instead of serving from memory, and answers again once it does.
    case unconfirmed(reason: String)

    public var code: String {
        switch self {
        case .unconfirmed: "store.unconfirmed"
        }
    }

    public var description: String {
        switch self {
        case .unconfirmed(let reason): "cannot confirm this node's state with the shared store: \(reason)"
        }
    }
}
