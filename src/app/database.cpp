#include "app/database.hpp"

#include <stdexcept>

namespace tcj::app {

core::Result<DatabaseEndpoints> OpenDatabaseEndpoints(const config::Config& config, const core::Logger& log) {
  DatabaseEndpoints out = DescribeDatabaseEndpoints(config);
  if (config.database.embedded()) {
    auto cluster = db::LocalCluster::Start(config.database.data_dir, log);
    if (!cluster) return std::move(cluster).take_error();
    out.cluster = std::move(*cluster);
  }
  return out;
}

DatabaseEndpoints DescribeDatabaseEndpoints(const config::Config& config) {
  DatabaseEndpoints out;
  const std::string& schema = config.database.schema;
  if (config.database.embedded()) {
    out.admin = db::LocalCluster::AdminSettingsAt(config.database.data_dir);
    out.runtime = db::LocalCluster::RuntimeSettingsAt(config.database.data_dir).WithSchema(schema);
    out.version_check = out.admin.WithSchema(schema);
    out.description = "embedded cluster in " + config.database.data_dir;
    return out;
  }
  out.runtime = db::ConnectionSettings::FromUrl(config.database.url).WithSchema(schema);
  out.admin = db::ConnectionSettings::FromUrl(config.database.migrate_url.empty() ? config.database.url
                                                                                  : config.database.migrate_url);
  out.version_check = out.runtime;
  out.description = out.runtime.Describe();
  return out;
}

std::vector<db::Migration> KnownMigrations() {
  auto parsed = db::ParseMigrations(db::EmbeddedMigrations());
  // The embedded set is checked by tests at build time; a failure here is a broken build.
  if (!parsed) throw std::logic_error(parsed.error().message);
  return std::move(parsed).value();
}

}  // namespace tcj::app
