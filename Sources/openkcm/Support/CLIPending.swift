/// The server kept the act as a request waiting for approvals (four-eyes):
/// nothing ran. Reported on stderr with the request's id, exit code 5.
struct CLIPending: Error, CustomStringConvertible {
    static let exitCode: Int32 = 5
    let approval: [String: Any]

    var description: String {
        let id = approval["id"] as? String ?? "?"
        let action = approval["action"] as? String ?? "the request"
        let required = approval["required"] as? Int ?? 2
        let expires = approval["expiresAt"] as? String ?? "?"
        return "Pending approval \(id): \(action) runs once \(required - 1) other identit\(required == 2 ? "y" : "ies") approve it "
            + "(openkcm approval approve \(id)), before \(expires)."
    }
}
