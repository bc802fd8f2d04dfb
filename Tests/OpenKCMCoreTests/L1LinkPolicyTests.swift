import OpenKCMCore
import OpenKCMTestSupport
import Testing

/// Which keys a tenant may link as its L1: the connections' `use`, `tenants`
/// and `keys`, and never the seal's or a shard's key.
@Suite struct L1LinkPolicyTests {
    static let policy = L1LinkPolicy(connections: [
        "acme-aws": .init(uses: [.l1], tenants: [tenant("acme")], keys: ["arn:aws:kms:eu-west-1:111:key/*", "alias/acme-root"]),
        "platform-seal": .init(uses: [.seal]),
        "shards": .init(uses: [.shard]),
        "shared": .init(uses: [.l1, .seal, .shard]),
    ])
    static let seal = KeystoreReference(provider: "shared", key: "openkcm-seal")

    static func refusal(_ provider: String, _ key: String, _ tenantID: String) -> L1PolicyError? {
        do {
            try policy.check(KeystoreReference(provider: provider, key: key), tenant: tenant(tenantID), reserved: [seal])
            return nil
        } catch {
            return error
        }
    }

    @Test func theRulesOfEachConnectionHold() {
        #expect(Self.refusal("acme-aws", "arn:aws:kms:eu-west-1:111:key/abc", "acme") == nil)
        #expect(Self.refusal("acme-aws", "alias/acme-root", "acme") == nil)
        #expect(Self.refusal("acme-aws", "alias/acme-root-2", "acme") == .keyNotAllowed(KeystoreReference(provider: "acme-aws", key: "alias/acme-root-2")),
                "an exact name is not a prefix")
        #expect(Self.refusal("acme-aws", "arn:aws:kms:eu-west-2:111:key/abc", "acme") != nil)
        #expect(Self.refusal("acme-aws", "arn:aws:kms:eu-west-1:111:key/abc", "globex") == .tenantNotAllowed(provider: "acme-aws", tenant: tenant("globex")))
        #expect(Self.refusal("platform-seal", "anything", "acme") == .notForL1(provider: "platform-seal"))
        #expect(Self.refusal("shards", "shard-1", "acme") == .notForL1(provider: "shards"))
        #expect(Self.refusal("shared", "customer-key", "acme") == nil)
        #expect(Self.refusal("added-by-a-reload", "k", "acme") == .notForL1(provider: "added-by-a-reload"),
                "a connection without rules, where others have them, waits for a restart")
        #expect((try? L1LinkPolicy().check(KeystoreReference(provider: "anything", key: "k"), tenant: tenant("acme"), reserved: [])) != nil,
                "no rules at all: whoever resolves the provider judges")
    }

    @Test func theSealKeyIsNeverAnL1() {
        #expect(Self.refusal("shared", "openkcm-seal", "acme") == .sealKey(Self.seal))
        #expect(Self.refusal("shared", "openkcm-seal", "globex") == .sealKey(Self.seal))
        // Even with no rules at all.
        #expect(throws: L1PolicyError.sealKey(Self.seal)) { try L1LinkPolicy().check(Self.seal, tenant: tenant("acme"), reserved: [Self.seal]) }
    }
}
