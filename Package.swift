// swift-tools-version: 6.1
// Seccompose: a systemd-style syscall-set policy engine.
//
// The pipeline is the architecture; each stage is a module that imports only earlier ones:
//   SeccomposeDiagnostics the one Diagnostic, source position and error protocol of every stage
//   SeccomposeSyscalls   syscall tables, ABIs, errno names (generated data)
//   SeccomposeSets       named syscall groups (sets/*.set), per systemd version
//   SeccomposePolicy     the Policy value the compiler consumes (actions, per-syscall decisions)
//   SeccomposeSystemd    systemd's SystemCall*= settings: text → Policy, with diagnostics
//   SeccomposeOCI        Docker/OCI seccomp profiles (JSON) → Policy
//   SeccomposeCompiler   Policy → one classic-BPF program; simulator, verifier, exporters
//   SeccomposeInput      the one way from any input (unit, settings, profile) to (policy, program)
//   SeccomposeDiff       the exact comparison of two filters (policies or BPF stacks) by decision
//   SeccomposeRuntime    installing programs into the kernel (through the CSeccomp C target)
//   SeccomposeLaunch     starting and supervising commands and units under a program: outcomes,
//                        violations, logged calls
//   SeccomposeLearn      learning a filter from runs: the recording filter, evidence, group cover
//   seccompose           the thin command-line front end (parses arguments, prints)
//
// Test tools (C): seccompose-probe installs a raw program and makes syscalls on any x86 ABI;
// libseccomp-export builds the same policy with libseccomp, the differential oracle.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // Concrete generic types (`[String: Int]`, `Set<LeafKey>` …) get their metadata through
    // accessors that are handed the conformances, not by demangling a name at first use: a
    // demangled `Hashable` key made the runtime scan all ~4,400 conformance records of the
    // binary (about 45 µs each; six of them in every `run --filter`). Code generation only;
    // the programs and every decision are the same (docs/launch-performance.md, "Fifth round").
    // Like any unsafe flag, it keeps version-tagged packages from depending on these products
    // (path and branch dependencies may).
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

let package = Package(
    name: "Seccompose",
    products: [
        .library(name: "SeccomposeDiagnostics", targets: ["SeccomposeDiagnostics"]),
        .library(name: "SeccomposeSyscalls", targets: ["SeccomposeSyscalls"]),
        .library(name: "SeccomposeSets", targets: ["SeccomposeSets"]),
        .library(name: "SeccomposePolicy", targets: ["SeccomposePolicy"]),
        .library(name: "SeccomposeSystemd", targets: ["SeccomposeSystemd"]),
        .library(name: "SeccomposeOCI", targets: ["SeccomposeOCI"]),
        .library(name: "SeccomposeCompiler", targets: ["SeccomposeCompiler"]),
        .library(name: "SeccomposeInput", targets: ["SeccomposeInput"]),
        .library(name: "SeccomposeDiff", targets: ["SeccomposeDiff"]),
        .library(name: "SeccomposeRuntime", targets: ["SeccomposeRuntime"]),
        .library(name: "SeccomposeLaunch", targets: ["SeccomposeLaunch"]),
        .library(name: "SeccomposeLearn", targets: ["SeccomposeLearn"]),
        .executable(name: "seccompose", targets: ["seccompose"]),
        .executable(name: "run-unit-example", targets: ["run-unit-example"]),
        .executable(name: "learn-example", targets: ["learn-example"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` for the DocC catalogs (CI builds them).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "SeccomposeDiagnostics", swiftSettings: swiftSettings),
        .target(name: "SeccomposeSyscalls", dependencies: ["SeccomposeDiagnostics"], swiftSettings: swiftSettings),
        .target(name: "SeccomposeSets", dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls"], swiftSettings: swiftSettings),
        .target(name: "SeccomposePolicy", dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls"], swiftSettings: swiftSettings),
        .target(
            name: "SeccomposeSystemd",
            dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposeSets", "SeccomposePolicy"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeOCI", dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposePolicy"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeCompiler", dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposePolicy"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeInput",
            dependencies: [
                "SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposePolicy", "SeccomposeSystemd", "SeccomposeOCI",
                "SeccomposeCompiler",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeDiff",
            dependencies: ["SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposePolicy", "SeccomposeOCI", "SeccomposeCompiler"],
            swiftSettings: swiftSettings
        ),
        // CSeccomp also loads libsystemd's sd-journal with dlopen when a journal is first used
        // (cjournal.c), compiled against libsystemd-dev's header; the tests link libsystemd through
        // CSystemd (pkg-config `libsystemd`) and check that the loaded functions are the linked ones.
        .target(name: "CSeccomp"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "SeccomposeRuntime", dependencies: ["SeccomposeDiagnostics", "SeccomposeCompiler", "CSeccomp"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeLaunch",
            dependencies: [
                "SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposeSets", "SeccomposePolicy", "SeccomposeSystemd",
                "SeccomposeCompiler", "SeccomposeInput", "SeccomposeRuntime",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SeccomposeLearn",
            dependencies: [
                "SeccomposeDiagnostics", "SeccomposeSyscalls", "SeccomposeSets", "SeccomposePolicy", "SeccomposeSystemd",
                "SeccomposeCompiler", "SeccomposeInput", "SeccomposeRuntime", "SeccomposeLaunch",
            ],
            swiftSettings: swiftSettings
        ),
        // The C test tools and what they share.
        .target(name: "CToolSupport"),
        .executableTarget(name: "seccompose-probe", dependencies: ["CToolSupport"]),
        .executableTarget(name: "seccompose-audit-helper"),
        .executableTarget(name: "libseccomp-export", dependencies: ["CToolSupport"], linkerSettings: [.linkedLibrary("seccomp")]),
        // The compiler at scale beside libseccomp, in one process (issue 19's table).
        .systemLibrary(name: "CLibseccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .executableTarget(
            name: "seccompose-scale-bench",
            dependencies: ["CLibseccomp", "SeccomposeOCI", "SeccomposeCompiler", "SeccomposeSets", "SeccomposeSystemd", "SeccomposeInput"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "seccompose",
            dependencies: [
                "SeccomposeSyscalls", "SeccomposeSets", "SeccomposePolicy", "SeccomposeSystemd",
                "SeccomposeCompiler", "SeccomposeRuntime", "SeccomposeOCI", "SeccomposeInput", "SeccomposeLaunch",
                "SeccomposeLearn", "SeccomposeDiff", "SeccomposeDiagnostics", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings + [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            // A release build (the README's `swift build -c release`) is linked with the Swift
            // runtime, Foundation, libstdc++ and libgcc statically: no dynamic loading and
            // relocating of ~25 shared objects at every start (docs/launch-performance.md;
            // build-support/static-libstdc++/libstdc++.so says how libstdc++ is made static).
            // Debug builds stay dynamic: the test runner links this module beside the dynamic
            // Testing/XCTest libraries.
            // --no-export-dynamic undoes the -export-dynamic of the toolchain's static-stdlib
            // arguments: the ~6,000 symbols of this executable's own modules need not be in its
            // dynamic symbol table (nothing looks them up by name), and the Swift runtime's
            // start-up dladdr() of itself walks that whole table (70–81 µs at every start with
            // them, 11–16 µs without; docs/launch-performance.md, "Sixth round").
            // --no-mmap-output-file: gold (the toolchain's linker on Linux) then writes the
            // executable with write() rather than through a shared mapping, so the page cache holds
            // it in large folios, as a copied file's: every start right after the build maps its
            // pages faster, about 0.3 ms less a launch (docs/launch-performance.md, "Eighth round").
            // lld takes the option too.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-L", Context.packageDirectory + "/build-support/static-libstdc++",
                    "-Xclang-linker", "-static-libgcc", "-Xlinker", "--no-export-dynamic",
                    "-Xlinker", "--no-mmap-output-file"], .when(configuration: .release))
            ]
        ),
        // The library API in under 40 lines: run a unit, report its violations, pass its status on.
        .executableTarget(
            name: "run-unit-example", dependencies: ["SeccomposeLaunch"], path: "Examples/run-unit-example",
            swiftSettings: swiftSettings
        ),
        // Learning in a few lines: run a command under the recording filter, print the drop-in.
        .executableTarget(
            name: "learn-example", dependencies: ["SeccomposeLearn", "SeccomposeRuntime", "SeccomposeSystemd"],
            path: "Examples/learn-example", swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeSyscallsTests", dependencies: ["SeccomposeSyscalls", "SeccomposeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeSetsTests", dependencies: ["SeccomposeSets", "SeccomposeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeSystemdTests",
            dependencies: ["SeccomposeSystemd", "SeccomposeSets", "SeccomposePolicy", "SeccomposeSyscalls", "SeccomposeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .target(name: "SeccomposeTestSupport", path: "Tests/SeccomposeTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "SeccomposeCompilerTests",
            dependencies: [
                "SeccomposeCompiler", "SeccomposeRuntime", "SeccomposeSystemd", "SeccomposeSets", "SeccomposePolicy", "SeccomposeOCI",
                "SeccomposeSyscalls", "SeccomposeTestSupport", "CSeccomp", "CSystemd", "seccompose-probe", "libseccomp-export",
                "SeccomposeInput", "SeccomposeLaunch",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeDiffTests",
            dependencies: [
                "SeccomposeDiff", "SeccomposeCompiler", "SeccomposePolicy", "SeccomposeSyscalls", "SeccomposeInput",
                "SeccomposeSystemd", "SeccomposeSets", "SeccomposeTestSupport", "SeccomposeOCI",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeLearnTests",
            dependencies: [
                "SeccomposeLearn", "SeccomposeInput", "SeccomposeSystemd", "SeccomposeSets", "SeccomposePolicy",
                "SeccomposeSyscalls", "SeccomposeTestSupport", "seccompose", "seccompose-probe", "learn-example",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeccomposeCLITests",
            dependencies: ["seccompose", "SeccomposeSyscalls", "SeccomposeTestSupport"],
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
    ]
)
