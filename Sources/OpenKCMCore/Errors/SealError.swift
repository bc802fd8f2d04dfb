/// Why an init or unseal step was refused.
public enum SealError: OpenKCMError, Equatable {
    case notInitialized
    case alreadyInitialized
    /// The stored seal configuration does not fit the unseal method asked for.
    case misconfigured(String)
    /// A rekey or generate-root is already collecting shares on this node.
    case attemptRunning(String)
    /// No rekey or generate-root runs, or the nonce given is not the running one's.
    case noSuchAttempt(String)
    /// Only a seal with operator shares takes a rekey or a generate-root.
    case notOperatorShares(String)
    /// The attempt was dropped (the reason says why); nothing changed.
    case attemptCancelled(String)

    public var code: String {
        switch self {
        case .notInitialized: "seal.not_initialized"
        case .alreadyInitialized: "seal.already_initialized"
        case .misconfigured: "seal.misconfigured"
        case .attemptRunning: "seal.attempt_running"
        case .noSuchAttempt: "seal.no_such_attempt"
        case .notOperatorShares: "seal.not_operator_shares"
        case .attemptCancelled: "seal.attempt_cancelled"
        }
    }

    public var description: String {
        switch self {
        case .notInitialized: "the server is not initialized"
        case .alreadyInitialized: "the server is already initialized"
        case .misconfigured(let reason): "seal configuration problem: \(reason)"
        case .attemptRunning(let what): "a \(what) is already collecting shares: finish or cancel it first"
        case .noSuchAttempt(let what): "no \(what) with this nonce is collecting shares (none started, cancelled, expired or finished)"
        case .attemptCancelled(let reason): "the attempt is cancelled and nothing changed: \(reason)"
        case .notOperatorShares(let kind): "this server's seal is \(kind): only a seal with operator shares is rekeyed or generates a root token from shares"
        }
    }
}
