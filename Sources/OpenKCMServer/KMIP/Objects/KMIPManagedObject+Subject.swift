import OpenKCMCore

extension KMIPManagedObject {
    /// The custom attribute that binds an object's key to a subject (KMIP 1.x
    /// name; in 2.x, vendor `x`, attribute `openkcm-subject`). Set on Create
    /// or Register only: the material is sealed under it, so it never changes.
    static let subjectAttribute = "x-openkcm-subject"

    /// The subject the object's L4 is bound to, if any.
    var subject: SubjectID? {
        get throws(KeyChainError) {
            guard let subject = customAttributes?[Self.subjectAttribute] else { return nil }
            return try SubjectID(subject)
        }
    }
}
