/// Which plane a server process plays (`openkcm server --plane`).
public enum ServerPlane: String, Sendable, Hashable, CaseIterable {
    /// Both, over one store: the single-node default and the README's first command.
    case all
    /// The Brain: tenants as references to their L1, services with their
    /// region, identities, audit. It holds no key of any layer and serves no
    /// data-key operation: those go to the service's regional core.
    case governance
    /// A regional core (Krypton, the Muscle): its own store and MasterKey,
    /// tenants and services as the governance plane says for its region
    /// (``GovernanceFollower``), its own L2 per tenant through the customer's
    /// L1, and L3 only for its region's services. Tenants and services are
    /// not created or destroyed here: that is the governance plane's.
    case crypto
}
