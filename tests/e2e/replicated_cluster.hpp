// A PostgreSQL primary with a synchronous streaming standby, both under a test's own folder, for
// the failover tests (issue 18) and the soak run: what a high-availability setup looks like to the
// service, minus the failover tool, whose two moves (stop the primary, promote the standby) the
// test makes itself. The nodes listen on loopback TCP ports so that the service can reach both
// through one multi-host URL, as it would reach db1 and db2.
#pragma once

#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db/connection.hpp"
#include "e2e_support.hpp"

namespace tcj::e2e {

class ReplicatedCluster {
 public:
  // The folder must not exist yet; the postgres user gets it when the tests run as root.
  explicit ReplicatedCluster(std::filesystem::path root) : root_(std::move(root)) {
    std::filesystem::create_directories(root_);
    if (geteuid() == 0) Must(testing::RunCommand({"chown", "postgres:", root_.string()}), "chown");
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i] = {root_ / ("node" + std::to_string(i)), FreePort()};
    }
  }
  ~ReplicatedCluster() {
    for (const Node& n : nodes_) {
      if (std::filesystem::exists(n.data / "postmaster.pid")) PgCtl(n.data, {"-m", "immediate", "-w", "stop"});
    }
  }
  ReplicatedCluster(const ReplicatedCluster&) = delete;
  ReplicatedCluster& operator=(const ReplicatedCluster&) = delete;

  // Node 0 becomes the primary, with the database `database`; node 1 a standby streaming from it,
  // and every commit waits for the standby (synchronous_commit = on with a synchronous standby,
  // which the operations guide asks for), so a failover loses no committed transaction.
  void Start(const std::string& database) {
    Node& first = nodes_[0];
    Must(AsPostgres({PgBin("initdb"), "-D", first.data.string(), "-U", "postgres", "--auth-local=trust",
                     "--auth-host=trust", "-E", "UTF8", "--no-locale"}),
         "initdb");
    {
      std::ofstream conf(first.data / "postgresql.conf", std::ios::app);
      conf << "listen_addresses = '127.0.0.1'\n"
           << "fsync = off\n"  // the tests crash processes, never the machine
           << "wal_keep_size = '512MB'\n"
           << "max_connections = 100\n";
    }
    WriteNodeSettings(0);
    Must(StartCluster(first.data), "start the primary");
    Admin(0, "postgres")->Exec("CREATE DATABASE " + database);
    AddStandby(1);
  }

  // postgresql://user@127.0.0.1:P0,127.0.0.1:P1/database?target_session_attrs=read-write
  std::string Url(const std::string& user, const std::string& database) const {
    return "postgresql://" + user + "@127.0.0.1:" + std::to_string(nodes_[0].port) +
           ",127.0.0.1:" + std::to_string(nodes_[1].port) + "/" + database +
           "?target_session_attrs=read-write&connect_timeout=2";
  }

  std::size_t primary() const { return primary_; }
  std::size_t standby() const { return 1 - primary_; }

  // The primary's machine dies: no checkpoint, no goodbye to the clients.
  void StopPrimaryHard() { Must(PgCtl(nodes_[primary_].data, {"-m", "immediate", "-w", "stop"}), "stop the primary"); }

  // The failover tool's second move: the standby becomes the primary (pg_ctl waits until it
  // accepts writes). It has no standby of its own, so its commits wait for none.
  void PromoteStandby() {
    const std::size_t next = standby();
    Must(PgCtl(nodes_[next].data, {"-w", "-t", "60", "promote"}), "promote the standby");
    primary_ = next;
  }

  // After a failover, the old primary's folder is rebuilt from the new primary and started as its
  // synchronous standby, so that the next failover can go the other way (the soak run's loop).
  void RejoinAsStandby() {
    const std::size_t old = standby();
    std::filesystem::remove_all(nodes_[old].data);
    AddStandby(old);
  }

  // The superuser on one node, by its socket (whether it is the primary or not).
  std::unique_ptr<db::Connection> Admin(std::size_t node, const std::string& database) const {
    db::ConnectionSettings s;
    s.params = {{"host", nodes_[node].data.string()},
                {"port", std::to_string(nodes_[node].port)},
                {"user", "postgres"},
                {"dbname", database}};
    return db::Connection::Open(s);
  }

 private:
  struct Node {
    std::filesystem::path data;
    std::uint16_t port = 0;
  };

  static void Must(const testing::CommandResult& r, const std::string& what) {
    if (r.exit_code != 0) throw std::runtime_error(what + " failed: " + r.output);
  }

  static testing::CommandResult AsPostgres(std::vector<std::string> argv) {
    if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
    return testing::RunCommand(argv);
  }

  // What differs between the nodes, last in postgresql.auto.conf so it wins over what a base
  // backup copied from the other node.
  void WriteNodeSettings(std::size_t node) const {
    std::ofstream conf(nodes_[node].data / "postgresql.auto.conf", std::ios::app);
    conf << "port = " << nodes_[node].port << "\n"
         << "unix_socket_directories = '" << nodes_[node].data.string() << "'\n"
         << "cluster_name = 'node" << node << "'\n"
         << "synchronous_standby_names = ''\n";
  }

  void AddStandby(std::size_t node) {
    const Node& from = nodes_[primary_];
    Must(AsPostgres({PgBin("pg_basebackup"), "-D", nodes_[node].data.string(), "-R", "-X", "stream",
                     "--checkpoint=fast", "-h", "127.0.0.1", "-p", std::to_string(from.port), "-U", "postgres"}),
         "pg_basebackup");
    WriteNodeSettings(node);
    Must(StartCluster(nodes_[node].data), "start the standby");
    auto primary = Admin(primary_, "postgres");
    WaitFor(*primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
    primary->Exec("ALTER SYSTEM SET synchronous_standby_names = '*'");
    primary->Exec("SELECT pg_reload_conf()");
    WaitFor(*primary, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'");
  }

  // Polls a count until it is at least one (a minute at most).
  static void WaitFor(db::Connection& conn, const std::string& count_sql) {
    for (int i = 0; i < 600; ++i) {
      if (conn.Exec(count_sql)[0].Int(0) > 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("the standby did not catch up: " + count_sql);
  }

  std::filesystem::path root_;
  std::array<Node, 2> nodes_;
  std::size_t primary_ = 0;
};

}  // namespace tcj::e2e
