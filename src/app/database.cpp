#include "app/database.hpp"

namespace tcj::app {

core::Result<DatabaseEndpoints> OpenDatabaseEndpoints(const config::Config& config, const core::Logger& log) {
  DatabaseEndpoints out;
  const std::string& schema = config.database.schema;
  if (config.database.embedded()) {
    auto cluster = db::LocalCluster::Start(config.database.data_dir, log);
    if (!cluster) return std::move(cluster).take_error();
    out.cluster = std::move(*cluster);
    out.runtime = out.cluster->RuntimeSettings().WithSchema(schema);
    out.admin = out.cluster->AdminSettings();
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

}  // namespace tcj::app
