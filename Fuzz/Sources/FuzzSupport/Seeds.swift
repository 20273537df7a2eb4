#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seed-corpus output. Each harness defines `LLVMFuzzerInitialize` and calls
/// ``writeSeedsIfRequested(_:)`` there: when the environment variable `FUZZ_WRITE_SEEDS` names a
/// folder, the harness writes its seeds (valid encodings made with the codecs' own encoders)
/// into that folder and exits instead of fuzzing.
public enum Seeds {
    /// Writes `seeds` (file name -> contents) into `$FUZZ_WRITE_SEEDS` and exits 0, if the
    /// variable is set; returns without doing anything otherwise. The seeds closure runs only then.
    public static func writeSeedsIfRequested(_ seeds: () -> [(name: String, bytes: [UInt8])]) {
        guard let raw = getenv("FUZZ_WRITE_SEEDS") else { return }
        let folder = String(cString: raw)
        guard !folder.isEmpty else { return }
        _ = mkdir(folder, 0o755)
        var count = 0
        for seed in seeds() {
            let path = folder + "/" + seed.name
            guard let file = fopen(path, "wb") else {
                print("cannot write \(path)")
                exit(1)
            }
            let written = seed.bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            guard written == seed.bytes.count else {
                print("short write to \(path)")
                exit(1)
            }
            count += 1
        }
        print("wrote \(count) seeds to \(folder)")
        exit(0)
    }
}
