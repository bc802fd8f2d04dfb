/// The release this build belongs to.
public enum OpenKCMVersion {
    public static let current = "0.1.0-dev"
}
