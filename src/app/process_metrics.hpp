// app: metrics about the process itself (memory, start time, version).
#pragma once

#include "core/metrics.hpp"

namespace tcj::app {

void RegisterProcessMetrics(core::MetricsRegistry& registry);

}  // namespace tcj::app
