#ifndef IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_
#define IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_

#include "absl/status/status.h"

namespace identity {

// HardenProcessFromFlags applies the process-wide protections for secrets:
//  * PR_SET_DUMPABLE 0: no core dump, and other processes of the same user
//    can neither ptrace it nor read /proc/PID/mem, /environ or /maps;
//  * RLIMIT_CORE 0: no core file even if something turns dumping back on;
//  * the secure heap (--secure_heap_bytes), locked in RAM and excluded from
//    dumps, which every secret is allocated from.
// Call first in main(), before any secret is read. A protection the OS
// refuses is logged as a warning and the server carries on without it; only
// a bad flag value is an error (kInvalidArgument naming the flag).
absl::Status HardenProcessFromFlags();

// Logs how much secret memory is still in use and how many secret
// allocations missed the secure heap. Call at shutdown, after the keyring is
// destroyed: every widget secret has then been released (and so cleansed).
// With TLS a few hundred bytes remain: OpenSSL's copy of the server's private
// key, held by gRPC's process-wide credentials until exit.
void LogSecretMemoryAtShutdown();

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_
