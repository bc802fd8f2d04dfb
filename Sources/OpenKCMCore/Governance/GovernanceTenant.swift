public import Foundation

/// A tenant as the governance plane holds it: who it is and where its root
/// key (L1) is, nothing more. No key of any layer, wrapped or not: each
/// region's core makes and keeps its own L2 through this L1.
public struct GovernanceTenant: Sendable, Hashable, Codable {
    public var id: TenantID
    /// The customer's key; nil once unlinked (the kill switch: every region locks).
    public var l1: KeystoreReference?
    public var createdAt: Date
    public var unlinkedAt: Date?
    /// The correlation id of the request that last changed the tenant or one
    /// of its services: each region audits what it does about the change
    /// under this id, so one id follows an unlink from here to every lock.
    public var change: String?
    /// The correlation id of the request that last set or removed the L1
    /// (create, link, unlink): what a region's lock or relink is audited under.
    public var l1Change: String?
    /// The tenant's rotation policy as the governance plane sets it for
    /// every region (``RotationPolicy``); nil when it has never set one (a
    /// region then keeps what it has).
    public var rotationPolicy: RotationPolicy?

    public init(id: TenantID, l1: KeystoreReference?, createdAt: Date, unlinkedAt: Date? = nil, change: String? = nil) {
        self.id = id
        self.l1 = l1
        self.createdAt = createdAt
        self.unlinkedAt = unlinkedAt
        self.change = change
        self.l1Change = change
    }
}
