import OpenKCMCore

extension SubjectID {
    /// How the audit log names a subject: its digest, since the id itself may be personal data.
    var auditKey: String { "subject:\(digest)" }
}
