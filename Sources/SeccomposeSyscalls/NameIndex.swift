// NameIndex.swift: the syscall table's index of names: name → id without String hashing.

/// Syscall name → id (its position in a name list: `SyscallTable`'s ids), with a cheap hash of
/// the name's first sixteen UTF-8 bytes and its length instead of `String`'s seeded SipHash over
/// all of them; each hit is confirmed by comparing every byte (the first sixteen as two words
/// kept in the slot, the rest from `bytes`), so an unknown name is never mistaken for a known
/// one. `SyscallTableTests` checks every name of the table and unknown ones.
package struct NameIndex: Sendable {
    /// One slot of the open-addressing table (linear probing), everything a hit needs in one
    /// place: the name's first sixteen bytes as two little-endian words (zero-padded), its
    /// length and its id + 1 (0: an empty slot).
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var head: (UInt64, UInt64) = (0, 0)
        @usableFromInline var count: UInt32 = 0
        @usableFromInline var idPlusOne: UInt32 = 0

        @usableFromInline
        init(head: (UInt64, UInt64) = (0, 0), count: UInt32 = 0, idPlusOne: UInt32 = 0) {
            self.head = head
            self.count = count
            self.idPlusOne = idPlusOne
        }
    }

    @usableFromInline var slots: [Slot]
    /// Every name's bytes, back to back; `offsets[id]..<offsets[id + 1]` is name `id`.
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var offsets: [Int]
    @usableFromInline var mask: Int

    /// The index of `names` (distinct), each name's id its position.
    init(_ names: [String]) {
        var size = 16
        while size < names.count * 2 { size <<= 1 }
        var slots = [Slot](repeating: Slot(), count: size)
        let mask = size - 1
        var bytes: [UInt8] = [], offsets = [0]
        bytes.reserveCapacity(names.count * 16)
        offsets.reserveCapacity(names.count + 1)
        // Each name read in its own buffer (an array of its bytes per name, made and freed, was
        // most of the index's making: about 850 instructions a name, at every launch).
        for (id, name) in names.enumerated() {
            var name = name
            name.withUTF8 { utf8 in
                bytes.append(contentsOf: utf8)
                offsets.append(bytes.count)
                let head = Self.head(utf8)
                var slot = Self.hash(head, utf8.count) & mask
                while slots[slot].idPlusOne != 0 { slot = (slot + 1) & mask }
                slots[slot] = Slot(head: head, count: UInt32(truncatingIfNeeded: utf8.count), idPlusOne: UInt32(id + 1))
            }
        }
        self.slots = slots
        self.mask = mask
        self.bytes = bytes
        self.offsets = offsets
    }

    /// Bytes `start..<start + count` (count 0...8) of `raw` as a little-endian word, read in
    /// pieces of 4, 2 and 1 bytes (a wider read across a small string's two halves, just
    /// copied to the stack, would wait for both stores).
    @inlinable @inline(__always) static func partial(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
        if count == 8 { return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
        var w: UInt64 = 0, i = 0
        if count - i >= 4 {
            w = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
            i = 4
        }
        if count - i >= 2 {
            w |= UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + i, as: UInt16.self))) << UInt64(8 * i)
            i += 2
        }
        if count - i >= 1 { w |= UInt64(raw[start + i]) << UInt64(8 * i) }
        return w
    }

    /// The first sixteen bytes of `s` as two little-endian words, zero-padded.
    @inlinable @inline(__always) static func head(_ s: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let raw = UnsafeRawBufferPointer(s)
        let n = s.count
        if n <= 8 { return (partial(raw, 0, n), 0) }
        return (partial(raw, 0, 8), partial(raw, 8, min(n, 16) - 8))
    }

    /// A hash of a name's first sixteen bytes and its length.
    @inlinable @inline(__always) static func hash(_ head: (UInt64, UInt64), _ count: Int) -> Int {
        var h = (head.0 &* 0x9E37_79B9_7F4A_7C15) ^ (head.1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
        h ^= h >> 31
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// The name's id, or nil when the index does not hold it. Inlinable: the compiler resolves
    /// every name of a policy through it, from another module.
    @inlinable package func id(of name: String) -> Int? {
        if let found = name.utf8.withContiguousStorageIfAvailable({ id(ofUTF8: $0) }) { return found }
        var copy = name  // made contiguous
        return copy.withUTF8 { id(ofUTF8: $0) }
    }

    @inlinable func id(ofUTF8 s: UnsafeBufferPointer<UInt8>) -> Int? {
        let head = Self.head(s)
        let count = s.count
        var slot = Self.hash(head, count) & mask
        while true {
            let e = slots[slot]
            if e.idPlusOne == 0 { return nil }
            if Int(e.count) == count, e.head == head {
                let id = Int(e.idPlusOne) - 1
                if count <= 16 || tailEqual(id, s) { return id }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether name `id`'s bytes after the sixteenth equal those of `s` (of the same length).
    @inlinable func tailEqual(_ id: Int, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[id]
        guard offsets[id + 1] - start == s.count else { return false }
        for i in 16..<s.count where bytes[start + i] != s[i] { return false }
        return true
    }
}
