import Foundation
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The subjectAltName of a certificate request: DNS names, IP addresses and
/// receptor node IDs (otherNames), in that order.
struct SubjectAltNameRequest {
    /// `dnsname` values.
    var dnsNames: [String]
    /// `ipaddress` values, as given.
    var ipAddresses: [String]
    /// `nodeid` values.
    var nodeIDs: [String]

    /// Whether there is no name at all (then the request carries no extension).
    var isEmpty: Bool {
        dnsNames.isEmpty && ipAddresses.isEmpty && nodeIDs.isEmpty
    }

    /// The names as GeneralNames.
    /// - Parameter fields: The entry, for errors.
    func generalNames(_ fields: CertToolFields) throws(CertToolError) -> [GeneralName] {
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for text in ipAddresses {
            guard let bytes = Self.ipAddressBytes(text) else {
                throw fields.error("ipaddress", "invalid IP address \(text)")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        for nodeID in nodeIDs {
            do {
                names.append(try ReceptorNodeName.generalName(nodeID))
            } catch {
                throw fields.error("nodeid", "could not encode node ID \(nodeID): \(error)")
            }
        }
        return names
    }

    /// The (non-critical) subjectAltName extension.
    /// - Parameter fields: The entry, for errors.
    func makeExtension(_ fields: CertToolFields) throws(CertToolError) -> Certificate.Extension {
        let names = try generalNames(fields)
        do {
            return try Certificate.Extension(SubjectAlternativeNames(names), critical: false)
        } catch {
            throw fields.error(nil, "could not encode subjectAltName: \(error)")
        }
    }

    /// The address bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address; an
    /// IPv4-mapped IPv6 address gives 4 bytes, as Go does.
    /// - Parameter text: The address text.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return Array(bytes[12...])
            }
            return bytes
        }
        return nil
    }

    /// Human-readable lines for the names in a SAN extension (for the signing prompt).
    /// - Parameter names: The parsed names.
    static func describe(_ names: SubjectAlternativeNames) -> [String] {
        names.map { name in
            switch name {
            case .dnsName(let dns):
                return "DNS Name: \(dns)"
            case .ipAddress(let octets):
                return "IP Address: \(formatIP(Array(octets.bytes)))"
            case .otherName(let other):
                if let nodeID = ReceptorNodeName.nodeID(in: other) {
                    return "Receptor Node ID: \(nodeID)"
                }
                return "Other Name: \(other.typeID)"
            case .rfc822Name(let mail):
                return "Email: \(mail)"
            case .uniformResourceIdentifier(let uri):
                return "URI: \(uri)"
            default:
                return "\(name)"
            }
        }
    }

    /// Dotted or colon text of 4 or 16 address bytes.
    private static func formatIP(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.count == 4 || bytes.count == 16 else {
            return bytes.map { String($0) }.joined(separator: ".")
        }
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }
}
