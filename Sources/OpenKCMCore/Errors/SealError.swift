/// Why an init or unseal step was refused.
public enum SealError: OpenKCMError, Equatable {
    case notInitialized
    case alreadyInitialized
    /// The stored seal configuration does not fit the unseal method asked for.
    case misconfigured(String)

    public var code: String {
        switch self {
        case .notInitialized: "seal.not_initialized"
        case .alreadyInitialized: "seal.already_initialized"
        case .misconfigured: "seal.misconfigured"
        }
    }

    public var description: String {
        switch self {
        case .notInitialized: "the server is not initialized"
        case .alreadyInitialized: "the server is already initialized"
        case .misconfigured(let reason): "seal configuration problem: \(reason)"
        }
    }
}
