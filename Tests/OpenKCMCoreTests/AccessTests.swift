import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

@Suite struct AccessTests {
    static func directory() -> (IdentityDirectory, SealedStorage, InMemoryStorage) {
        let backend = InMemoryStorage()
        let storage = SealedStorage(backend: backend)
        let masterKey = MasterKey.generate()
        storage.unseal(with: masterKey)
        return (IdentityDirectory(storage: storage, masterKey: masterKey), storage, backend)
    }

    @Test func theRoleMatrixHoldsForEveryOperation() async throws {
        let (directory, _, _) = Self.directory()
        let acme = tenant("acme")
        let payments = service("payments")
        let identities: [Role: Identity] = [
            .root: try await directory.create(name: "root", role: .root).identity,
            .governance: try await directory.create(name: "gov", role: .governance).identity,
            .crypto: try await directory.create(name: "svc", role: .crypto, tenant: acme, service: payments).identity,
            .auditor: try await directory.create(name: "aud", role: .auditor).identity,
            .core: try await directory.create(name: "eu-core", role: .core, region: RegionID("eu-central")).identity,
        ]
        for operation in OperationKind.allCases {
            for (role, identity) in identities {
                let allowed = (try? AccessPolicy.authorize(identity, operation, tenant: acme, service: payments, region: RegionID("eu-central"))) != nil
                let expected: Bool
                // Renewing one's own token is every role's.
                if operation == .identityRenew {
                    #expect(allowed, "\(role) \(operation)")
                    continue
                }
                // A rewrap job's progress: the application's, and its operators' (governance reads it to know when to close a version).
                if operation == .rewrapJobRead {
                    #expect(allowed == [.crypto, .root, .governance].contains(role), "\(role) \(operation)")
                    continue
                }
                switch operation.plane {
                case .governance: expected = role == .root || role == .governance
                case .identities, .operator: expected = role == .root
                case .execution: expected = role == .crypto
                case .audit: expected = role == .root || role == .auditor
                case .regions: expected = role == .root || role == .governance || role == .core
                }
                #expect(allowed == expected, "\(role) \(operation)")
            }
        }
        // A core identity reads only its own region.
        let core = try #require(identities[.core])
        #expect(throws: AccessError.outOfScope(operation: .regionSnapshot)) {
            try AccessPolicy.authorize(core, .regionSnapshot, region: RegionID("us-east"))
        }
        await #expect(throws: AccessError.self) { try await directory.create(name: "no-region", role: .core) }
        await #expect(throws: AccessError.self) { try await directory.create(name: "gov", role: .governance, region: RegionID("us-east")) }
        // A crypto identity reaches only its own tenant and service.
        let crypto = try #require(identities[.crypto])
        #expect(throws: AccessError.outOfScope(operation: .dataKeyWrap)) {
            try AccessPolicy.authorize(crypto, .dataKeyWrap, tenant: tenant("globex"), service: payments)
        }
        #expect(throws: AccessError.outOfScope(operation: .dataKeyWrap)) {
            try AccessPolicy.authorize(crypto, .dataKeyWrap, tenant: acme, service: service("audit"))
        }
    }

    @Test func tokensAuthenticateAndNothingUsableIsStored() async throws {
        let (directory, _, backend) = Self.directory()
        let (identity, token) = try await directory.create(name: "svc", role: .crypto, tenant: tenant("acme"), service: service("payments"))
        #expect(try await directory.authenticate(token).id == identity.id)

        // Every stored byte is barrier ciphertext; the token's secret appears nowhere.
        let secret = String(token.split(separator: ".")[2])
        for key in try await backend.list(prefix: "") {
            let value = try #require(try await backend.get(key))
            #expect(value.range(of: Data(secret.utf8)) == nil)
            #expect(value.range(of: Data(token.utf8)) == nil)
        }

        var wrongSecret = Array(token)
        wrongSecret[wrongSecret.count - 1] = wrongSecret.last == "A" ? "B" : "A"
        for bad in [String(wrongSecret), "", "okcm", "okcm..", "okcm.\(identity.id)", "Bearer \(token)", "okcm.\(identity.id).x.y",
                    "okcm.unknown.\(secret)", "okcm.../../etc.\(secret)", String(repeating: "a", count: 10_000)] {
            await #expect(throws: AccessError.unauthenticated) { _ = try await directory.authenticate(bad) }
        }

        try await directory.revoke(identity.id)
        await #expect(throws: AccessError.unauthenticated) { _ = try await directory.authenticate(token) }
    }

    @Test func scopesMustFitTheRole() async throws {
        let (directory, _, _) = Self.directory()
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "x", role: .crypto) }
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "x", role: .crypto, tenant: tenant("a")) }
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "x", role: .governance, tenant: tenant("a"), service: service("s")) }
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "x", role: .auditor, tenant: tenant("a")) }
        // A governance identity may be scoped to one tenant.
        #expect(try await directory.create(name: "x", role: .governance, tenant: tenant("a")).identity.tenant == tenant("a"))
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "", role: .auditor) }
    }

    /// Two nodes on one store registering one KMIP client certificate (or one
    /// subject) at once give it to one identity; revocations made on both at
    /// once both hold.
    @Test func twoNodesRegisteringOneCertificateAtOnceGiveItToOne() async throws {
        let backend = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let nodes = (0..<2).map { _ in
            let barrier = SealedStorage(backend: backend)
            barrier.unseal(with: masterKey)
            return IdentityDirectory(storage: barrier, masterKey: masterKey)
        }
        let (acme, payments) = (tenant("acme"), service("payments"))
        for round in 0..<5 {
            let fingerprint = String(repeating: String(round), count: 64)
            let made = await withTaskGroup(of: String?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try? await nodes[index % 2].create(name: "client", role: .crypto, tenant: acme, service: payments,
                                                           certificateFingerprint: fingerprint).identity.id
                    }
                }
                return await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(made.count == 1, "round \(round): \(made)")
            // Whichever node asks, the certificate is that identity's.
            for node in nodes { #expect(try await node.authenticate(certificateFingerprint: fingerprint).id == made.first) }
        }
        let first = try await nodes[0].create(name: "a", role: .governance)
        let second = try await nodes[1].create(name: "b", role: .governance)
        async let one: Void = nodes[0].revoke(first.identity.id)
        async let other: Void = nodes[1].revoke(second.identity.id)
        _ = try await (one, other)
        for node in nodes {
            node.storeChanged()
            await #expect(throws: AccessError.unauthenticated) { try await node.authenticate(first.token) }
            await #expect(throws: AccessError.unauthenticated) { try await node.authenticate(second.token) }
        }
    }
}
