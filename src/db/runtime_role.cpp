#include "db/runtime_role.hpp"

#include "db/rows.hpp"

namespace tcj::db {

std::vector<std::string> RuntimeRoleProblems(Connection& conn) {
  const Rows rows = conn.Exec(R"sql(
SELECT quote_ident(r.rolname), r.rolsuper, r.rolbypassrls,
       coalesce((SELECT pg_has_role(r.oid, o.oid, 'MEMBER') FROM pg_roles o WHERE o.rolname = 'tcj_owner'), false),
       coalesce((SELECT n.nspowner = r.oid FROM pg_namespace n WHERE n.nspname = current_schema()), false),
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relowner = r.oid)
         + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
                                             AND p.proowner = r.oid),
       has_database_privilege(r.oid, current_database(), 'TEMPORARY'), quote_ident(current_database())
  FROM pg_roles r WHERE r.rolname = current_user)sql");
  const Row role = rows[0];
  const std::string name = role.String(0);
  std::vector<std::string> problems;
  if (role.Bool(1)) problems.push_back("role " + name + " is a superuser, which row level security does not bind");
  if (role.Bool(2)) problems.push_back("role " + name + " has BYPASSRLS: ALTER ROLE " + name + " NOBYPASSRLS");
  if (role.Bool(3) && !role.Bool(1)) {
    problems.push_back("role " + name + " is a member of tcj_owner, whose maintenance policies see every site: REVOKE " +
                       "tcj_owner FROM " + name);
  }
  if (role.Bool(4)) problems.push_back("role " + name + " owns the schema");
  if (role.Int(5) > 0) problems.push_back("role " + name + " owns " + std::to_string(role.Int(5)) + " objects of the schema");
  if (role.Bool(6) && !role.Bool(1)) {
    problems.push_back("role " + name + " may create temporary tables: REVOKE TEMPORARY ON DATABASE " +
                       role.String(7) + " FROM PUBLIC, " + name + " (teamcity-jira migrate does it when it may)");
  }
  return problems;
}

}  // namespace tcj::db
