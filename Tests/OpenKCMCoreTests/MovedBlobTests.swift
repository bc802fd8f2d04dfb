import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// A blob moved to another tenant, service, layer, version or context, or
/// forged to claim it belongs there, never opens.
@Suite struct MovedBlobTests {
    struct Place: Sendable {
        let tenant: TenantID
        let service: ServiceID
        let context: EncryptionContext
    }

    struct Original: Sendable {
        let place: Place
        let blob: [UInt8]
    }

    @Test func thousandsOfMovedOrForgedBlobsNeverOpen() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let tenants = [tenant("acme"), tenant("globex")]
        let services = [service("payments"), service("audit")]
        let contexts = [EncryptionContext.empty, try EncryptionContext(["record": "1"]), try EncryptionContext(["record": "2"])]

        // Two tenants x two services, three L2.1 and three L3 versions each.
        var originals: [Original] = []
        var serviceKeyIDs: [String: KeyID] = [:]
        var l3Blobs: [[UInt8]] = []
        for t in tenants {
            try await chain.createTenant(t, l1: fixture.l1.reference)
            for s in services { try await chain.createService(s, tenant: t) }
            for round in 0..<3 {
                if round > 0 {
                    try await chain.rotateTenantKey(t)
                    for s in services { try await chain.rotateServiceKey(s, tenant: t) }
                }
                for s in services {
                    for c in contexts {
                        let dataKey = try await chain.generateDataKey(tenant: t, service: s, context: c)
                        originals.append(Original(place: Place(tenant: t, service: s, context: c), blob: Array(dataKey.wrapped)))
                    }
                }
            }
            for s in services {
                let ring = try await chain.serviceKeyRing(s, tenant: t).serviceKeys
                serviceKeyIDs["\(t)/\(s)"] = ring.keyID
                l3Blobs += ring.versions.compactMap { $0.wrapped.map(Array.init) }
            }
            l3Blobs += try await chain.tenantKeyRing(t).tenantKeys.versions.compactMap { $0.wrapped.map(Array.init) }
        }

        // Every original opens where it belongs.
        for original in originals {
            _ = try await chain.unwrapDataKey(Data(original.blob), tenant: original.place.tenant, service: original.place.service, context: original.place.context)
        }

        var generator = SystemRandomNumberGenerator()
        var attempts = 0
        var opened = 0
        var kinds: [String: Int] = [:]
        func differentPlace(from place: Place) -> Place {
            while true {
                let candidate = Place(
                    tenant: tenants.randomElement(using: &generator)!,
                    service: services.randomElement(using: &generator)!,
                    context: contexts.randomElement(using: &generator)!)
                if candidate.tenant != place.tenant || candidate.service != place.service || candidate.context != place.context {
                    return candidate
                }
            }
        }
        func tryOpen(_ blob: [UInt8], at place: Place, kind: String) async {
            attempts += 1
            kinds[kind, default: 0] += 1
            if (try? await chain.unwrapDataKey(Data(blob), tenant: place.tenant, service: place.service, context: place.context)) != nil {
                opened += 1
                Issue.record("a \(kind) blob opened")
            }
        }
        func forge(_ blob: [UInt8], keyID: KeyID? = nil, version: UInt32? = nil, layer: EnvelopeLayer? = nil) -> [UInt8] {
            var forged = blob
            if let layer { forged[4] = layer.rawValue }
            if let keyID { forged.replaceSubrange(5..<21, with: keyID.bytes) }
            if let version {
                forged.replaceSubrange(21..<25, with: [UInt8(version >> 24), UInt8((version >> 16) & 0xFF), UInt8((version >> 8) & 0xFF), UInt8(version & 0xFF)])
            }
            return forged
        }

        for _ in 0..<1_500 {
            let original = originals.randomElement(using: &generator)!
            let target = differentPlace(from: original.place)
            let targetKeyID = serviceKeyIDs["\(target.tenant)/\(target.service)"]!
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                // Moved as is to another tenant, service or context.
                await tryOpen(original.blob, at: target, kind: "moved")
            case 1:
                // Header rewritten to name the target's L3 key and a version it has.
                let forged = forge(original.blob, keyID: targetKeyID, version: UInt32.random(in: 1...3, using: &generator))
                await tryOpen(forged, at: target, kind: "forged key id and version")
            case 2:
                // Same place, another L3 version claimed.
                let current = original.blob[24]
                var version = UInt32.random(in: 1...3, using: &generator)
                if version == UInt32(current) { version = version % 3 + 1 }
                await tryOpen(forge(original.blob, version: version), at: original.place, kind: "other version")
            case 3:
                // An L3 or L2.1 blob relabelled as an L4 of the target service.
                let inner = l3Blobs.randomElement(using: &generator)!
                let forged = forge(inner, keyID: targetKeyID, version: UInt32.random(in: 1...3, using: &generator), layer: .l4)
                await tryOpen(forged, at: target, kind: "other layer")
            case 4:
                // An L4 relabelled as another layer.
                let layer = [EnvelopeLayer.l3, .l2_1, .l2, .barrierRecord].randomElement(using: &generator)!
                await tryOpen(forge(original.blob, layer: layer), at: original.place, kind: "relabelled layer")
            default:
                // One to three distinct bits flipped anywhere in the blob.
                var flipped = original.blob
                var bits = Set<Int>()
                let count = Int.random(in: 1...3, using: &generator)
                while bits.count < count { bits.insert(Int.random(in: 0..<(flipped.count * 8), using: &generator)) }
                for bit in bits { flipped[bit / 8] ^= 1 << (bit % 8) }
                await tryOpen(flipped, at: original.place, kind: "bit flips")
            }
        }
        #expect(attempts >= 1_000)
        #expect(opened == 0, "\(opened) of \(attempts) moved or forged blobs opened")
        #expect(kinds.count == 6)
    }

    /// The binding alone must stop a move: here every blob is sealed under the
    /// same key, so only the associated data differs between places.
    @Test func underOneKeyTheBindingAloneRefusesEveryMove() throws {
        let key = SymmetricKey(size: .bits256)
        let keyIDs = [KeyID(), KeyID()]
        let tenants = ["acme", "globex"]
        let services = ["payments", "audit", ""]
        let contexts = [EncryptionContext.empty, try EncryptionContext(["record": "1"]), try EncryptionContext(["record": "2"])]
        let layers: [EnvelopeLayer] = [.l2_1, .l3, .l4]
        func randomPlace(_ generator: inout SystemRandomNumberGenerator) -> (EnvelopeHeader, EnvelopeBinding) {
            (EnvelopeHeader(layer: layers.randomElement(using: &generator)!, keyID: keyIDs.randomElement(using: &generator)!,
                            keyVersion: UInt32.random(in: 1...3, using: &generator)),
             EnvelopeBinding(tenant: tenants.randomElement(using: &generator)!, service: services.randomElement(using: &generator)!,
                             context: contexts.randomElement(using: &generator)!))
        }
        var generator = SystemRandomNumberGenerator()
        var opened = 0
        var attempts = 0
        while attempts < 2_000 {
            let (header, binding) = randomPlace(&generator)
            let (otherHeader, otherBinding) = randomPlace(&generator)
            guard header != otherHeader || binding != otherBinding else { continue }
            attempts += 1
            let blob = try EnvelopeCipher.wrap(SymmetricKey(size: .bits256), header: header, binding: binding, wrappingKey: key)
            // Moved as is: the stored header stays, the caller's binding differs.
            if binding != otherBinding,
               (try? EnvelopeCipher.unwrap(WrappedKey(parsing: blob), expecting: header.layer, binding: otherBinding, wrappingKey: key)) != nil {
                opened += 1
            }
            // Forged: the header rewritten to claim the other place.
            var forged = blob
            var otherHeaderBytes: [UInt8] = []
            otherHeader.write(into: &otherHeaderBytes)
            forged.replaceSubrange(0..<EnvelopeHeader.size, with: otherHeaderBytes)
            if header != otherHeader,
               (try? EnvelopeCipher.unwrap(WrappedKey(parsing: forged), expecting: otherHeader.layer, binding: otherBinding, wrappingKey: key)) != nil {
                opened += 1
            }
        }
        #expect(opened == 0)
    }

    @Test func anL3BlobCopiedIntoAnotherServiceRecordFailsToOpen() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(service("payments"), tenant: acme)
        try await chain.createService(service("audit"), tenant: acme)

        // Someone with write access to the (decrypted) records pastes the
        // payments L3 into the audit record: the L3 binding names the service.
        let payments = try #require(try await fixture.barrier.get("services/acme/payments"))
        let audit = try #require(try await fixture.barrier.get("services/acme/audit"))
        var auditJSON = try #require(try JSONSerialization.jsonObject(with: audit) as? [String: Any])
        let paymentsJSON = try #require(try JSONSerialization.jsonObject(with: payments) as? [String: Any])
        var auditKeys = try #require(auditJSON["serviceKeys"] as? [String: Any])
        let paymentsKeys = try #require(paymentsJSON["serviceKeys"] as? [String: Any])
        auditKeys["versions"] = paymentsKeys["versions"]
        auditJSON["serviceKeys"] = auditKeys
        try await fixture.barrier.put("services/acme/audit", value: try JSONSerialization.data(withJSONObject: auditJSON))

        let restarted = fixture.restarted()
        await #expect(throws: EnvelopeError.authenticationFailed) {
            _ = try await restarted.generateDataKey(tenant: acme, service: service("audit"))
        }
        _ = try await restarted.generateDataKey(tenant: acme, service: service("payments"))
    }

    @Test func aBarrierRecordMovedToAnotherKeyFailsToOpen() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(tenant("acme"), l1: fixture.l1.reference)
        try await fixture.chain.createTenant(tenant("globex"), l1: fixture.l1.reference)
        // The version in front is readable, so the mover gives it the one the index expects at globex:
        // the AEAD still binds the path.
        var raw = try #require(try await fixture.storage.get("tenants/acme"))
        let globex = try #require(try await fixture.storage.get("tenants/globex"))
        raw.replaceSubrange(raw.startIndex..<raw.startIndex + 8, with: globex.prefix(8))
        try await fixture.storage.put("tenants/globex", value: raw)
        await #expect(throws: BarrierError.recordCorrupted(key: "tenants/globex")) {
            _ = try await fixture.barrier.get("tenants/globex")
        }
    }
}
