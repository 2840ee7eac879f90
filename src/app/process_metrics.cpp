#include "app/process_metrics.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>

namespace tcj::app {
namespace {

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

void RegisterProcessMetrics(core::MetricsRegistry& registry) {
  registry.AddCallbackGauge("process_resident_memory_bytes", "Resident memory of this process.", ResidentBytes);
  const double started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  registry.AddCallbackGauge("process_start_time_seconds", "When this process started, in Unix time.",
                            [started] { return started; });
}

}  // namespace tcj::app
