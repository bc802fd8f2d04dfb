import Testing
import OpenKCMCore

@Suite struct StorageScopeTests {
    @Test(arguments: [
        ("tenants/acme", "tenant/acme"),
        ("services/acme/payments", "tenant/acme"),
        ("destroyed-l4/acme/payments/00ff", "tenant/acme"),
        ("kmip/objects/acme/payments/3f2a", "tenant/acme"),
        ("subjects/acme/payments/00ff", "tenant/acme"),
        ("subject-tombstones/acme/payments/00ff", "tenant/acme"),
        ("tenants/a.b_c-9", "tenant/a.b_c-9"),
        ("identities/abc", "system/identities"),
        ("identities-by-certificate/ff", "system/identities"),
        ("identities-by-subject/ee", "system/identities"),
        ("kmip/trusted-cas/ca1", "system/kmip"),
        ("kmip/client-ca/ca1", "system/kmip"),
        ("audit/checkpoint", "system/audit"),
        ("k", "system/other"),
        ("tenants/" + String(repeating: "x", count: 65), "system/other"),
        ("tenants/a%b", "system/other"),
    ])
    func eachPathHasOneScope(path: String, scope: String) {
        #expect(StorageScope.of(path)?.name == scope)
    }

    @Test func theIndexAndTheSealConfigurationHaveNoScope() {
        #expect(StorageScope.of("barrier/root") == nil)
        #expect(StorageScope.of("barrier/buckets/tenant/acme/3") == nil)
        #expect(StorageScope.of(SealConfiguration.storageKey) == nil)
    }

    @Test func bucketsSpreadAndStayInRange() {
        let buckets = Set((0..<2000).map { StorageScope.bucket(of: "kmip/objects/acme/payments/\($0)") })
        #expect(buckets.allSatisfy { (1..<StorageScope.bucketCount).contains($0) })
        #expect(buckets.count == StorageScope.bucketCount - 1)
        // A tenant's head records share bucket 0, so listing tenants reads one bucket per tenant.
        #expect(StorageScope.bucket(of: "tenants/acme") == 0)
        #expect(StorageScope.bucket(of: "services/acme/payments") == 0)
        #expect(StorageScope.bucket(0, mayHold: "tenants/"))
        #expect(!StorageScope.bucket(5, mayHold: "tenants/"))
        #expect(StorageScope.bucket(0, mayHold: "services/acme/"))
        #expect(!StorageScope.bucket(0, mayHold: "destroyed-l4/acme/payments/"))
        #expect(StorageScope.bucket(5, mayHold: "destroyed-l4/acme/payments/"))
        #expect(StorageScope.bucket(0, mayHold: "") && StorageScope.bucket(5, mayHold: ""))
        #expect(StorageScope.bucket(0, mayHold: "t") && StorageScope.bucket(5, mayHold: "t"))
    }

    @Test func listsReadOnlyTheScopesThatMayHoldThePrefix() {
        let acme = StorageScope.tenant("acme")
        #expect(acme.mayHold(prefix: "tenants/"))
        #expect(acme.mayHold(prefix: "destroyed-l4/acme/payments/"))
        #expect(!acme.mayHold(prefix: "destroyed-l4/globex/"))
        #expect(!acme.mayHold(prefix: "identities/"))
        #expect(StorageScope.system("identities").mayHold(prefix: "identities/"))
        #expect(!StorageScope.system("identities").mayHold(prefix: "tenants/"))
        #expect(StorageScope.system("other").mayHold(prefix: "anything/"))
        #expect(StorageScope.named("tenant/acme") == acme)
        #expect(StorageScope.named("bogus") == nil)
    }
}
