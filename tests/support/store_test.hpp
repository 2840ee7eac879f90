// Test support: a PgTest with what most store tests build first: a log capture, a keyring with one
// active key ("kek-1"), the SecretBox over it, and the tenant and server stores. Header-only, so
// that only the tests of layers that have the stores (tenants and above) pull them in.
#pragma once

#include <memory>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/random.hpp"
#include "support/capture_sink.hpp"
#include "support/pg_test.hpp"
#include "support/test_keys.hpp"
#include "tenants/secret_box.hpp"
#include "tenants/server_store.hpp"
#include "tenants/tenant_store.hpp"

namespace tcj::testing {

class StoreTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    keys_.Add("kek-1", 'k', true);
  }

  std::shared_ptr<CaptureSink> sink_ = std::make_shared<CaptureSink>();
  core::Logger log_{sink_, core::LogLevel::info};
  TestKeys keys_;
  crypto::OsRandom random_;
  core::MetricsRegistry metrics_registry_;
  tenants::SecretMetrics secret_metrics_{metrics_registry_};
  tenants::SecretBox box_{keys_, random_, secret_metrics_, log_};
  tenants::TenantStore tenants_{pool(), box_};
  tenants::ServerStore servers_{pool(), box_};
};

}  // namespace tcj::testing
