/// The most recent events of one domain, by sequence number, in a fixed-size ring.
///
/// Storage grows up to `capacity` and is then overwritten in place, so once full a publish allocates nothing
/// beyond the event's own strings.
struct EventRing {
    /// One published event and who may receive it.
    struct Entry {
        var event: PushEvent
        var audience: PushAudience
    }

    let capacity: Int
    private var entries: [Entry] = []
    /// The last seq assigned; 0 before the first event.
    private(set) var head: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "the event buffer must hold at least one event")
        self.capacity = capacity
    }

    /// The oldest seq still held; `head + 1` while the ring is empty.
    var oldest: UInt64 { head + 1 - UInt64(entries.count) }

    /// The entry of `seq`, which must lie in `oldest...head`.
    subscript(seq: UInt64) -> Entry {
        precondition(seq >= oldest && seq <= head, "seq \(seq) is not in the buffer")
        return entries[slot(seq)]
    }

    /// Stores `event` under the next seq (written into the event) and returns that seq, and the seq it
    /// overwrote (0 while the ring was not yet full).
    mutating func append(_ event: PushEvent, audience: PushAudience) -> (seq: UInt64, evicted: UInt64) {
        head += 1
        var event = event
        event.seq = head
        if entries.count < capacity {
            entries.append(Entry(event: event, audience: audience))
            return (head, 0)
        }
        entries[slot(head)] = Entry(event: event, audience: audience)
        return (head, head - UInt64(capacity))
    }

    /// The first seq after `seq` whose audience `filter` admits, or `head + 1` when there is none.
    func firstAdmitted(after seq: UInt64, by filter: PushAudienceFilter) -> UInt64 {
        var candidate = max(seq + 1, oldest)
        while candidate <= head {
            if admitted(candidate, by: filter) { return candidate }
            candidate += 1
        }
        return candidate
    }

    /// How many events after `seq` `filter` admits.
    func admittedCount(after seq: UInt64, by filter: PushAudienceFilter) -> Int {
        var count = 0
        var candidate = max(seq + 1, oldest)
        while candidate <= head {
            if admitted(candidate, by: filter) { count += 1 }
            candidate += 1
        }
        return count
    }

    /// Whether `filter` admits the event of `seq`, which must lie in `oldest...head`.
    func admitted(_ seq: UInt64, by filter: PushAudienceFilter) -> Bool {
        // Two fields read in place: copying the entry (a PushEvent is a large value) for every event a scan passes
        // was most of the push path's CPU at 50,000 devices and 1,000 clients (perf: memmove under EventBus.poll).
        let index = slot(seq)
        return filter.admits(entries[index].audience, type: entries[index].event.type)
    }

    private func slot(_ seq: UInt64) -> Int { Int((seq - 1) % UInt64(capacity)) }
}
