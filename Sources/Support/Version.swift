/// pnconv's version, recorded in every file it writes.
public enum Version {
    public static let number = "0.1.0"
    public static let createdBy = "pnconv \(number)"
}
