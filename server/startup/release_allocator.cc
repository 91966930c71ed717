// jemalloc's settings for identityd, read by jemalloc at its first
// allocation (it looks this symbol up; see jemalloc(3), "malloc_conf").
//
// background_thread: a jemalloc thread returns unused memory to the system,
//   so it goes back even when no call arrives to trigger the purge.
// dirty_decay_ms / muzzy_decay_ms: freed pages go back within about a
//   second, not jemalloc's default ten: after a flood (HTTP/2 rapid reset),
//   identityd is back to its usual size in seconds.
// The environment variable MALLOC_CONF still overrides these, for operators
// tuning a deployment.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
