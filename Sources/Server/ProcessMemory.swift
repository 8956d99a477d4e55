import CMalloc

/// Memory the allocator keeps after bulk work, given back to the system.
enum ProcessMemory {
    /// glibc keeps the pages freed by a synchronisation's batches (rows, contacts, SQLite's pending index entries) in
    /// its per-thread arenas: after 500,000 contacts the server's RSS stayed at 420–500 MiB with 50–80 MiB of it in
    /// use, and `malloc_trim` brought it to 115–147 MiB (issue 22). It takes 15–50 ms, once per synchronisation.
    /// Trimming after every batch as well held the peak at 244 MiB instead of about 460, but cost a tenth more CPU
    /// (each next batch faulted the pages in again); fewer arenas (`MALLOC_ARENA_MAX=2`) lowered the peak to 264 MiB
    /// and made the synchronisation a fifth slower.
    static func returnFreedPages() {
        _ = malloc_trim(0)
    }
}
