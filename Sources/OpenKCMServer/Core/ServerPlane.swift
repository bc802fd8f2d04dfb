/// Which plane a server process plays (`openkcm server --plane`).
public enum ServerPlane: String, Sendable, Hashable, CaseIterable {
    /// Both, over one store: the single-node default and the README's first command.
    case all
    /// The Brain: tenants as references to their L1, services with their
    /// region, identities, audit. It holds no key of any layer and serves no
    /// data-key operation: those go to the service's regional core.
    case governance
}
