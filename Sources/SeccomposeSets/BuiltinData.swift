// BuiltinData.swift: the data embedded from sets/ and data/ (see Generated/).

import SeccomposeDiagnostics
import SeccomposeSyscalls

enum BuiltinData {
    /// Names Debian 12's libseccomp 2.5.4 cannot resolve.
    static let libseccomp254Unknown: Set<String> = Set(
        TextFile.split(libseccomp254UnknownText, at: 0x0A).filter { !$0.hasPrefix("#") })

    /// `libseccomp254Unknown` by syscall table id (true: 2.5.4 lacks the name), so that resolving
    /// a known name hashes nothing (`SystemdVersion.resolvesSyscall` runs for every name of a group).
    static let libseccomp254UnknownByID: [Bool] = {
        var out = [Bool](repeating: false, count: SyscallTable.allNames.count)
        for name in libseccomp254Unknown { if let id = SyscallTable.id(of: name), id < out.count { out[id] = true } }
        return out
    }()

    /// Every built-in set file as the set-file parser reads it, made once from the generated
    /// rows (`setGroupRows`, `setMemberRows`) rather than by parsing the embedded text at
    /// start-up. The test suite compares them with `SetFileParser`'s reading of `setFiles`.
    static let definitions: [SetDefinition] = setGroupRows.map { row in
        let (name, description, since, file, first, count) = row
        let members = setMemberRows[first..<(first + count)].map { m in
            SetMember(name: m.0, since: m.1 == 0 ? nil : m.1, until: m.2 == 0 ? nil : m.2,
                position: SourcePosition(file: file, line: m.3, column: m.4))
        }
        return SetDefinition(name: name, description: description, since: since == 0 ? nil : since, members: members,
            file: file)
    }

    /// The built-in group names with their '@', in any version.
    static var groupNames: Set<String> {
        Set(setFiles.map { "@" + $0.0 })
    }
}
