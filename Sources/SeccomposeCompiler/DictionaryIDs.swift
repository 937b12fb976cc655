// DictionaryIDs.swift: dense ids for keys, given out in order of first sight.

extension Dictionary where Value == Int {
    /// The id stored for `key`, or `next` (stored for it now) when it has none: one hash look-up
    /// either way. The caller appends the key to its list when it gets `next` back.
    mutating func id(for key: Key, next: Int) -> Int {
        func held(_ id: inout Int) -> Int { id }
        return held(&self[key, default: next])
    }
}
