import Hummingbird
import OpenKCMCore

/// Typed path parameters: an invalid id is a 400 problem, never a lookup.
extension OpenKCMRequestContext {
    func tenant() throws -> TenantID {
        try TenantID(try parameters.require("tenant"))
    }

    func service() throws -> ServiceID {
        try ServiceID(try parameters.require("service"))
    }
}
