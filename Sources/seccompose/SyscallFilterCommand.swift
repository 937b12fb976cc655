// SyscallFilterCommand.swift: `seccompose syscall-filter`, like `systemd-analyze syscall-filter`.

import ArgumentParser
import SeccomposeDiagnostics
import SeccomposeRuntime
import SeccomposeSets

struct SyscallFilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syscall-filter",
        abstract: "List syscall groups and their members, as systemd-analyze syscall-filter does."
    )

    @OptionGroup var systemd: SystemdOptions

    @Flag(name: [.short, .long], help: "Leave out the ungrouped and unlisted sections.")
    var quiet = false

    @Option(help: "Output format: text (systemd's) or json.")
    var format: OutputFormat = .text

    @Argument(help: ArgumentHelp("Groups to show (with their '@'); all when none are given.", valueName: "@group"))
    var groups: [String] = []

    func run() throws {
        let catalog = try systemd.catalog()
        switch format {
        case .text:
            let kernel = quiet || !groups.isEmpty
                ? .failure(.init(reason: "not read")) : SyscallFilterListing.kernelSyscalls()
            let output = SyscallFilterListing.render(catalog: catalog, requested: groups, quiet: quiet, kernelSyscalls: kernel)
            Terminal.out(output.standardOutput)
            if !output.standardError.isEmpty { Terminal.error(output.standardError) }
            if output.missingGroup != nil { throw ExitCode(.findings) }
        case .json:
            let names = groups.isEmpty ? catalog.groups.map(\.name) : groups
            var list: [GroupJSON] = []
            for name in names {
                guard let g = catalog.group(named: name) else {
                    Terminal.error("Filter set \"\(name)\" not found.")
                    throw ExitCode(.findings)
                }
                list.append(GroupJSON(name: g.name, description: g.description, builtin: g.isBuiltin,
                    members: g.memberNames, expanded: catalog.expand(g.name) ?? []))
            }
            try Terminal.json(ListingJSON(schema: "seccompose.syscall-filter/1", systemd: catalog.version.rawValue,
                groups: list, ungrouped: groups.isEmpty ? catalog.ungrouped : nil))
        }
    }

    struct GroupJSON: Encodable {
        var name: String
        var description: String
        var builtin: Bool
        var members: [String]
        var expanded: [String]
    }

    struct ListingJSON: Encodable {
        var schema: String
        /// The Seccompose version that wrote this document.
        var seccomposeVersion = SeccomposeVersion.current
        var systemd: Int
        var groups: [GroupJSON]
        var ungrouped: [String]?
    }
}
