// The filter compiler (see BPF.swift, Compiler.swift).
