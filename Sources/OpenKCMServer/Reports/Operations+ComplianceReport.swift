import Crypto
import Foundation
public import OpenKCMCore

/// The compliance report (root and auditors): every tenant's and service's
/// key against its rotation policy, read now at the core's clock.
extension Operations {
    public func complianceReport(caller: Caller) async throws -> ComplianceReport {
        try await perform(.reportRead, caller: caller) { unsealed in try await self.buildComplianceReport(unsealed.keyChain) }
    }

    /// The same report as JSON bytes signed by the report key, for an auditor to carry away.
    public func signedComplianceReport(caller: Caller) async throws -> SignedReport {
        try await perform(.reportRead, caller: caller) { unsealed in
            let report = try await self.buildComplianceReport(unsealed.keyChain)
            let key = try await ReportSigningKey.load(self.core.barrier)
            return try SignedReport(payload: Data(try JSONBody.encoded(report)), key: key)
        }
    }

    /// The report key's public half and fingerprint: what a verifier pins.
    public func reportSigningKey(caller: Caller) async throws -> [String: String] {
        try await perform(.reportRead, caller: caller) { _ in
            let key = try await ReportSigningKey.load(self.core.barrier).publicKey
            return ["algorithm": SignedReport.algorithm, "publicKey": key.rawRepresentation.base64EncodedString(),
                    "keyFingerprint": SignedReport.fingerprint(key)]
        }
    }

    func buildComplianceReport(_ keyChain: KeyChain) async throws -> ComplianceReport {
        let now = core.now()
        let defaults = core.rotationDefaults
        var tenants: [ComplianceTenant] = []
        for tenant in try await keyChain.tenants() {
            let ring = try await keyChain.tenantKeyRing(tenant)
            var keys = [ComplianceKey(layer: .l2_1, service: nil, ring: ring.tenantKeys, due: keyChain.tenantKeyDue(ring, defaults: defaults), now: now)]
            for service in try await keyChain.services(of: tenant) {
                let serviceRing = try await keyChain.serviceKeyRing(service, tenant: tenant)
                keys.append(ComplianceKey(layer: .l3, service: service, ring: serviceRing.serviceKeys,
                                          due: keyChain.serviceKeyDue(serviceRing, tenant: ring, defaults: defaults), now: now))
            }
            let (status, reason): (String, String?) =
                if ring.l1UnlinkedAt != nil { ("unlinked", nil) }
                else if let lock = ring.l1ProviderLock { ("locked", lock) }
                else { ("linked", nil) }
            var entry = ComplianceTenant(tenant: tenant.rawValue, l1: ring.l1.description, l1Status: status, l1Reason: reason,
                                         killSwitchReady: status == "linked", keys: keys)
            let root = keyChain.rootDue(ring, defaults: defaults)
            entry.rootVersion = ring.rootVersion
            entry.rootDueAt = root?.dueAt
            entry.rootOverdue = root.map { $0.dueAt <= now }
            tenants.append(entry)
        }
        return ComplianceReport(generatedAt: now, node: core.nodeID, platformPeriodSeconds: defaults.periodSeconds, tenants: tenants)
    }
}
