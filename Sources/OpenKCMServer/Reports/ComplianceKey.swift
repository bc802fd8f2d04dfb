public import Foundation
public import OpenKCMCore

/// One versioned key in the compliance report: a tenant's L2.1 or a service's L3.
public struct ComplianceKey: Sendable, Codable, Equatable {
    public var layer: String
    public var service: String?
    public var currentVersion: UInt32
    public var currentState: KeyState?
    public var createdAt: Date?
    public var ageSeconds: Int?
    public var periodSeconds: Int
    /// Whose period applies: own, tenant, platform.
    public var source: RotationPolicySource
    public var dueAt: Date?
    /// Past its due date and not rotated (the schedule is off, or the tenant is locked).
    public var overdue: Bool
    public var versions: Int
    /// Versions that still open what they wrapped (active, deactivated, or compromised but not yet closed; at or above the minimum decryption version).
    public var openVersions: Int
    /// Compromised versions that still open what they wrapped (unwrap only, until the operator closes them).
    public var compromisedOpen: Int
    public var minimumDecryptionVersion: UInt32
    /// The oldest version that still opens data, and its age: what an auditor asks of "versions in use past their window".
    public var oldestOpenVersion: UInt32?
    public var oldestOpenAgeSeconds: Int?

    init(layer: EnvelopeLayer, service: ServiceID?, ring: KeyRing, due: (dueAt: Date?, periodSeconds: Int, source: RotationPolicySource), now: Date) {
        self.layer = layer.description
        self.service = service?.rawValue
        let current = ring.version(ring.currentVersion)
        currentVersion = ring.currentVersion
        currentState = current?.state
        createdAt = current?.createdAt
        ageSeconds = current.map { Int(now.timeIntervalSince($0.createdAt)) }
        periodSeconds = due.periodSeconds
        source = due.source
        dueAt = due.dueAt
        overdue = due.dueAt.map { $0 <= now } ?? false
        versions = ring.versions.count
        let open = ring.versions.filter {
            $0.version >= ring.minimumDecryptionVersion && ($0.state.canUnwrap || ($0.state == .compromised && $0.stillOpens == true))
        }
        openVersions = open.count
        compromisedOpen = open.filter { $0.state == .compromised }.count
        minimumDecryptionVersion = ring.minimumDecryptionVersion
        oldestOpenVersion = open.first?.version
        oldestOpenAgeSeconds = open.first.map { Int(now.timeIntervalSince($0.createdAt)) }
    }
}
