/// Why a data directory's node id could not be read or made.
struct NodeIdentityError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
