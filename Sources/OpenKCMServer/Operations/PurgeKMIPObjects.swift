import OpenKCMCore

extension Operations {
    /// Deletes the KMIP object records of a tenant (or of one of its services) whose keys were shredded. Their
    /// material no longer opens, but their attributes (names, groups, client attributes) are the old tenant's:
    /// a tenant or service created later under the same name must start clean, as its subjects do. Run after
    /// a destruction and before a creation, so a destruction cut short between its two writes is finished by
    /// the next creation under that name.
    func purgeKMIPObjects(tenant: TenantID, service: ServiceID? = nil) async throws {
        let prefix = "kmip/objects/\(tenant.rawValue)/" + (service.map { "\($0.rawValue)/" } ?? "")
        let keys = try await core.barrier.list(prefix: prefix)
        guard !keys.isEmpty else { return }
        for start in stride(from: 0, to: keys.count, by: 500) {
            try await core.barrier.write(keys[start..<min(start + 500, keys.count)].map { StorageMutation.delete(key: $0) })
        }
        core.kmipRecords.removeAll()
    }
}
