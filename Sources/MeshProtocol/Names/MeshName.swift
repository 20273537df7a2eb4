/// The one rule for node IDs and service names wherever they come from: a peer's hello, a
/// flooded advertisement, a routed message, a control-socket line, a certificate.
///
/// A name is at most ``maximumLength`` bytes of UTF-8 (the wire carries its length in one byte)
/// and contains no control characters: no NUL, nothing in U+0000–U+001F, U+007F–U+009F. Such a
/// character would let one name print as another in logs and `status`, or cut a C string short
/// (`"EVIL\0F"` and `"EVIL"` look alike to many tools). Node IDs are never empty; service names
/// may be (receptor uses an empty service in some replies).
///
/// This is deliberately looser than the local `node` entry's rule (letters, digits and `.-_@:`,
/// at most 64 bytes, in ``MeshConfig``): a Go receptor peer may carry any printable name, and we
/// must route to it.
public enum MeshName {
    /// Longest name in bytes of UTF-8.
    public static let maximumLength = 255

    /// Why `name` is not a valid node ID, or nil when it is.
    public static func nodeIDProblem(_ name: String) -> String? {
        if name.isEmpty { return "node ID is empty" }
        return problem(name, what: "node ID")
    }

    /// Why `name` is not a valid service name, or nil when it is.
    public static func serviceNameProblem(_ name: String) -> String? {
        problem(name, what: "service name")
    }

    /// Whether `name` is a valid node ID.
    public static func isValidNodeID(_ name: String) -> Bool { nodeIDProblem(name) == nil }

    /// Whether `name` is a valid service name.
    public static func isValidServiceName(_ name: String) -> Bool { serviceNameProblem(name) == nil }

    private static func problem(_ name: String, what: String) -> String? {
        let length = name.utf8.count
        if length > maximumLength { return "\(what) is \(length) bytes long (at most \(maximumLength))" }
        if name.unicodeScalars.contains(where: isControl) { return "\(what) contains a control character" }
        return nil
    }

    /// C0 controls, DEL and C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }
}
