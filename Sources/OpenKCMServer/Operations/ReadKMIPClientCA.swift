import OpenKCMCore
import OpenKCMPKI

extension Operations {
    /// The server's KMIP client CA certificate (PEM); it exists once a client certificate was issued.
    public func kmipClientCA(caller: Caller) async throws -> String {
        try await perform(.kmipClientCARead, caller: caller) { _ in
            guard let authority = try await kmipClientAuthority(creating: false) else { throw KMIPClientError.noClientAuthority }
            return authority.certificate.pemString
        }
    }
}
