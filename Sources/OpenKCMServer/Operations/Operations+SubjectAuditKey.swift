import OpenKCMCore

extension Operations {
    /// How the audit log names a subject: `subject:<name>`, its keyed name
    /// (``SubjectKeys/name(_:tenant:service:key:)``), never the id (often
    /// personal data) nor a plain hash of it that a guess could confirm.
    /// Nil without a subject. Named only for a caller admitted to the
    /// operation (a refused one never makes the store's name key); otherwise,
    /// and while sealed, `subject:?`.
    func auditKey(_ subject: SubjectID?, _ operation: OperationKind, caller: Caller, tenant: TenantID, service: ServiceID) async -> String? {
        guard let subject else { return nil }
        guard let unsealed = try? admit(operation, caller: caller, tenant: tenant, service: service),
            let name = try? await unsealed.keyChain.subjectName(subject, tenant: tenant, service: service)
        else { return "subject:?" }
        return "subject:" + name
    }
}
