import Testing
import OpenKCMCore
import OpenKCMTestSupport

@Suite struct InMemoryStorageConformanceTests {
    @Test(arguments: StorageConformance.checks)
    func conforms(check: StorageConformanceCheck) async throws {
        try await check.run(InMemoryStorage())
    }
}
