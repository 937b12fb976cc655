// The repository stands alone (issue 11): nothing the build, the tests, the generators, the fuzz
// harness or CI use may name a path outside the repository, such as the developers' reference
// shelf beside it. The data they need is in data/ and Tests/Fixtures/.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("self-contained")
struct SelfContainedTests {
    /// What is searched: these files and directories of the repository, recursively.
    static let roots = ["Package.swift", "Sources", "Tests", "scripts", "fuzz", ".ci"]

    /// Texts that name a place outside the repository. Written in pieces so that this file's own
    /// literals do not match; the file itself is searched like every other.
    static let patterns: [String] = [
        ".." + "/shared",  // the reference shelf beside a developer's checkout
        "/wo" + "rk/",  // the developers' machine
        "'..', " + "'shared'", "\"..\", " + "\"shared\"",  // Python's os.path.join of the parent and shared
    ]

    /// Directories that hold build output, not sources (all in .gitignore): their files embed
    /// the absolute paths they were built from.
    static func skipped(_ relativePath: String) -> Bool {
        let name = (relativePath as NSString).lastPathComponent
        return name.hasPrefix(".") || name == "__pycache__" || relativePath == "fuzz/out"
    }

    /// Every regular file under `roots`, relative to the repository root.
    static func files() throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        func walk(_ relative: String) throws {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: repositoryRoot + "/" + relative, isDirectory: &isDirectory) else { return }
            guard isDirectory.boolValue else { return out.append(relative) }
            for name in try fm.contentsOfDirectory(atPath: repositoryRoot + "/" + relative).sorted() {
                let child = relative + "/" + name
                if !skipped(child) { try walk(child) }
            }
        }
        for root in roots { try walk(root) }
        return out
    }

    @Test("no file of Package.swift, Sources, Tests, scripts, fuzz or .ci names a path outside the repository")
    func noOutsidePaths() throws {
        let files = try Self.files()
        #expect(files.contains("Package.swift") && files.contains(".ci/run") && files.contains("scripts/setup-debian.sh"))
        #expect(files.count > 100, "the walk found too few files: \(files.count)")
        var found: [String] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/" + file))
            let text = String(decoding: data, as: UTF8.self)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for pattern in Self.patterns where line.contains(pattern) {
                    found.append("\(file):\(index + 1): \(pattern): \(line.trimmingCharacters(in: .whitespaces).prefix(120))")
                }
            }
        }
        #expect(found.isEmpty, "copy what these read into data/ or Tests/Fixtures/ (with a README) and refer to it there:\n\(found.joined(separator: "\n"))")
    }

    @Test("the patterns catch what they are for")
    func patternsMatch() {
        let samples = [
            "repositoryRoot + \"/.." + "/shared/data/syscalls.csv\"",
            "os.path.join(ROOT, '..', " + "'shared', 'data', 'syscalls.csv')",
            "cat /wo" + "rk/shared/fixtures/x",
        ]
        for sample in samples {
            #expect(Self.patterns.contains { sample.contains($0) }, "\(sample)")
        }
        #expect(!Self.patterns.contains { "repositoryRoot + \"/data/syscalls.csv\"".contains($0) })
    }

    @Test("the data the tests and generators read is in the repository")
    func dataPresent() {
        for path in [
            "data/syscalls.csv", "data/README.md", "Tests/Fixtures/README.md",
            "Tests/Fixtures/docker-seccomp-default.json", "Tests/Fixtures/systemd262.1-groups.txt",
            "Tests/Fixtures/systemd252-oracle/README.md", "Tests/Fixtures/systemd252-oracle/systemd-version.txt",
        ] + Systemd252OracleFixtures.cases.map({ "Tests/Fixtures/systemd252-oracle/\($0)/fragment.txt" }) {
            #expect(FileManager.default.fileExists(atPath: repositoryRoot + "/" + path), "\(path) missing")
        }
        #expect(Systemd252OracleFixtures.directory == repositoryRoot + "/Tests/Fixtures/systemd252-oracle")
    }
}
