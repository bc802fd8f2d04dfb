public import Foundation

/// Real peers started by scripts/test (moto, OpenBao, SoftHSM2, PostgreSQL),
/// found through the environment. Under OPENKCM_REQUIRE_PEERS=1 a missing peer
/// is a failure, never a skip.
public enum Peers {
    public static var required: Bool { ProcessInfo.processInfo.environment["OPENKCM_REQUIRE_PEERS"] == "1" }

    /// The peer's URL, or nil when it is not running.
    public static func url(_ variable: String) -> URL? {
        ProcessInfo.processInfo.environment[variable].flatMap(URL.init(string:))
    }

    /// Why a test could not run, for `Issue.record` when ``required`` is set.
    public static func missing(_ variable: String) -> String {
        "\(variable) is not set: start the peers with scripts/test (OPENKCM_REQUIRE_PEERS=1 makes this a failure)"
    }
}
