#ifndef IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_
#define IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_

#include <string>
#include <vector>

namespace identity {

// HardenProcess makes the process's memory unreachable by the usual side
// doors, for a process that holds secrets:
//  * PR_SET_DUMPABLE 0: no core dump, and other processes of the same user
//    can neither ptrace it nor read /proc/PID/mem, /environ or /maps;
//  * RLIMIT_CORE 0: no core file even if something turns dumping back on.
// Call first thing in main(), before any secret is read. Returns a warning
// (one sentence for the operator) per protection the OS refused; the process
// carries on without it.
std::vector<std::string> HardenProcess();

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_PROCESS_HARDENING_H_
