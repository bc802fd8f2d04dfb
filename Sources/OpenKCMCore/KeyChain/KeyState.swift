/// Key states as in KMIP and NIST SP 800-57.
///
/// Only ``active`` keys wrap; ``active`` and ``deactivated`` keys unwrap;
/// destroyed keys have no bytes left in storage.
public enum KeyState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case preActive = "pre-active"
    case active
    case deactivated
    case compromised
    case destroyed
    case destroyedCompromised = "destroyed-compromised"

    public var description: String { rawValue }

    /// Whether a key in this state may protect new data.
    public var canWrap: Bool { self == .active }

    /// Whether a key in this state may open data it protected.
    public var canUnwrap: Bool { self == .active || self == .deactivated }

    /// Whether the key's bytes are gone.
    public var isDestroyed: Bool { self == .destroyed || self == .destroyedCompromised }

    /// The transitions KMIP allows (KMIP 1.4 section 3.22, figure 1).
    public func canTransition(to next: KeyState) -> Bool {
        switch (self, next) {
        case (.preActive, .active), (.preActive, .compromised), (.preActive, .destroyed),
            (.active, .deactivated), (.active, .compromised),
            (.deactivated, .compromised), (.deactivated, .destroyed),
            (.compromised, .destroyedCompromised),
            (.destroyed, .destroyedCompromised):
            true
        default:
            false
        }
    }
}
