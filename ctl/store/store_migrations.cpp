#include "ctl/store/store_migrations.h"

namespace xc {

const std::vector<Migration>& schema_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "hosts, resources, placements, meta", R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE hosts (
  name          TEXT PRIMARY KEY,
  address       TEXT NOT NULL,
  transport     TEXT NOT NULL,
  pool          TEXT NOT NULL,
  zone          TEXT NOT NULL,
  arch          TEXT NOT NULL,
  facts_json    TEXT NOT NULL DEFAULT '{}',
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE resources (
  kind          TEXT NOT NULL,
  tenant        TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL,
  spec_json     TEXT NOT NULL,
  spec_hash     TEXT NOT NULL,
  generation    INTEGER NOT NULL,
  manifest_set  TEXT NOT NULL DEFAULT '',
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, tenant, name)
);
CREATE TABLE placements (
  kind   TEXT NOT NULL,
  tenant TEXT NOT NULL,
  name   TEXT NOT NULL,
  host   TEXT NOT NULL REFERENCES hosts (name),
  PRIMARY KEY (kind, tenant, name),
  FOREIGN KEY (kind, tenant, name) REFERENCES resources (kind, tenant, name) ON DELETE CASCADE
);
CREATE INDEX placements_by_host ON placements (host);
)sql"},
      // Append-only by construction: the triggers refuse any change, and the
      // digest chain (audit issue) reveals a dropped or rebuilt table.
      {2, "audit_log, append-only", R"sql(
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  time_ms     INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  as_user     TEXT NOT NULL DEFAULT '',
  reason      TEXT NOT NULL DEFAULT '',
  origin_host TEXT NOT NULL DEFAULT '',
  command     TEXT NOT NULL DEFAULT '',
  kind        TEXT NOT NULL DEFAULT '',
  tenant      TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL DEFAULT '',
  action      TEXT NOT NULL DEFAULT '',
  hash_before TEXT NOT NULL DEFAULT '',
  hash_after  TEXT NOT NULL DEFAULT '',
  result      TEXT NOT NULL DEFAULT '',
  message     TEXT NOT NULL DEFAULT '',
  prev_digest BLOB,
  digest      BLOB
);
CREATE INDEX audit_log_by_object ON audit_log (kind, tenant, name);
CREATE INDEX audit_log_by_time ON audit_log (time_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit records cannot be changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit records cannot be deleted');
END;
)sql"},
      // Allocation intervals for billing: one row per VM and item, closed
      // (end_ms set) when the VM is resized, stopped, started or deleted.
      {3, "meter_intervals", R"sql(
CREATE TABLE meter_intervals (
  id       INTEGER PRIMARY KEY,
  tenant   TEXT NOT NULL,
  system   TEXT NOT NULL DEFAULT '',
  vm       TEXT NOT NULL,
  item     TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms   INTEGER,
  running  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX meter_intervals_by_vm ON meter_intervals (tenant, vm, end_ms);
)sql"},
      // A clock that stepped back once closed intervals before they began,
      // and every later bill failed. Such an interval billed nothing real:
      // it ends where it starts. From now on the database refuses them.
      {4, "meter intervals never end before they start", R"sql(
UPDATE meter_intervals SET end_ms = start_ms WHERE end_ms IS NOT NULL AND end_ms < start_ms;
CREATE TRIGGER meter_intervals_end_after_start_insert BEFORE INSERT ON meter_intervals
  WHEN NEW.end_ms IS NOT NULL AND NEW.end_ms < NEW.start_ms
  BEGIN SELECT RAISE(ABORT, 'meter interval ends before it starts'); END;
CREATE TRIGGER meter_intervals_end_after_start_update BEFORE UPDATE OF end_ms ON meter_intervals
  WHEN NEW.end_ms IS NOT NULL AND NEW.end_ms < NEW.start_ms
  BEGIN SELECT RAISE(ABORT, 'meter interval ends before it starts'); END;
)sql"},
      // A closed month's bill is frozen with its SM3 digest and never
      // changes: the triggers refuse any update or delete. Adjustments are
      // late corrections billed in the first open month.
      {5, "closed_months, bill_adjustments", R"sql(
CREATE TABLE closed_months (
  month        TEXT PRIMARY KEY,
  closed_at_ms INTEGER NOT NULL,
  bill_json    TEXT NOT NULL,
  digest       BLOB NOT NULL
);
CREATE TRIGGER closed_months_no_update BEFORE UPDATE ON closed_months
BEGIN
  SELECT RAISE(ABORT, 'a closed month cannot be changed');
END;
CREATE TRIGGER closed_months_no_delete BEFORE DELETE ON closed_months
BEGIN
  SELECT RAISE(ABORT, 'a closed month cannot be reopened');
END;
CREATE TABLE bill_adjustments (
  id            INTEGER PRIMARY KEY,
  month         TEXT NOT NULL,
  tenant        TEXT NOT NULL,
  item          TEXT NOT NULL,
  amount_fen    INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  actor         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bill_adjustments_by_month ON bill_adjustments (month, id);
)sql"},
      // Addresses given to NICs that declare none: one per NIC and family,
      // and never one address to two NICs of a network.
      {6, "address_allocations", R"sql(
CREATE TABLE address_allocations (
  tenant  TEXT NOT NULL,
  vm      TEXT NOT NULL,
  nic     INTEGER NOT NULL,
  family  TEXT NOT NULL CHECK (family IN ('ipv4', 'ipv6')),
  network TEXT NOT NULL,
  address TEXT NOT NULL,
  PRIMARY KEY (tenant, vm, nic, family),
  UNIQUE (network, address)
);
)sql"},
      // What `xcloudctl serve` learns: VM lifecycle events from the agents
      // and its own notes about hosts, and how far each host's events have
      // been read (the agent run's boot id and sequence number). An event
      // read twice after a reconnect is stored once.
      {7, "events, event_cursors", R"sql(
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  time_ms     INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  host        TEXT NOT NULL,
  tenant      TEXT NOT NULL DEFAULT '',
  vm          TEXT NOT NULL DEFAULT '',
  domain      TEXT NOT NULL DEFAULT '',
  type        TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '',
  boot_id     TEXT NOT NULL DEFAULT '',
  agent_seq   INTEGER
);
CREATE UNIQUE INDEX events_once ON events (host, boot_id, agent_seq);
CREATE INDEX events_by_time ON events (time_ms);
CREATE INDEX events_by_vm ON events (tenant, vm, time_ms);
CREATE TABLE event_cursors (
  host          TEXT PRIMARY KEY,
  boot_id       TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
)sql"},
      // Metrics: the objects measured get a small id; each host's round is
      // one row of packed values (ctl/metrics/packed_values.h), raw for 48
      // hours and as hourly rollups for 400 days. A row per VM and minute
      // would cost about twice the space and make `top` over 48 hours slow.
      // Rowid tables, not WITHOUT ROWID: there every interior page holds
      // whole rows and a rollup row (over 1 KB) spills to overflow pages;
      // measured, that cost 17% and 85% more space.
      {8, "metric_objects, metric_samples, metric_rollups", R"sql(
CREATE TABLE metric_objects (
  id     INTEGER PRIMARY KEY,
  kind   TEXT NOT NULL CHECK (kind IN ('vm', 'host')),
  tenant TEXT NOT NULL DEFAULT '',
  name   TEXT NOT NULL,
  UNIQUE (kind, tenant, name)
);
CREATE TABLE metric_samples (
  time_ms     INTEGER NOT NULL,
  host_id     INTEGER NOT NULL,
  host_values BLOB NOT NULL,
  vm_values   BLOB NOT NULL,
  UNIQUE (time_ms, host_id)
);
CREATE TABLE metric_rollups (
  time_ms     INTEGER NOT NULL,
  host_id     INTEGER NOT NULL,
  host_values BLOB NOT NULL,
  vm_values   BLOB NOT NULL,
  UNIQUE (time_ms, host_id)
);
)sql"},
      // Alarms (ctl/alarms/): one row per firing of a rule for an object;
      // while it is not cleared it is the only one of that rule and object
      // (the partial unique index). Notes are its history; deliveries what
      // each route's receiver was sent, so dedup and repeat survive a restart.
      {9, "alarms, alarm_notes, alarm_deliveries", R"sql(
CREATE TABLE alarms (
  id          INTEGER PRIMARY KEY,
  rule        TEXT NOT NULL,
  object      TEXT NOT NULL,
  host        TEXT NOT NULL DEFAULT '',
  pool        TEXT NOT NULL DEFAULT '',
  tenant      TEXT NOT NULL DEFAULT '',
  severity    TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  state       TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'cleared')),
  summary     TEXT NOT NULL DEFAULT '',
  value       TEXT NOT NULL DEFAULT '',
  labels_json TEXT NOT NULL DEFAULT '{}',
  assignee    TEXT NOT NULL DEFAULT '',
  started_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  acked_ms    INTEGER NOT NULL DEFAULT 0,
  acked_by    TEXT NOT NULL DEFAULT '',
  cleared_ms  INTEGER NOT NULL DEFAULT 0,
  cleared_by  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alarms_active_once ON alarms (rule, object) WHERE state != 'cleared';
CREATE INDEX alarms_by_start ON alarms (started_ms);
CREATE TABLE alarm_notes (
  id       INTEGER PRIMARY KEY,
  alarm_id INTEGER NOT NULL REFERENCES alarms (id),
  time_ms  INTEGER NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  text     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alarm_notes_by_alarm ON alarm_notes (alarm_id, id);
CREATE TABLE alarm_deliveries (
  alarm_id     INTEGER NOT NULL REFERENCES alarms (id),
  route        TEXT NOT NULL,
  receiver     TEXT NOT NULL,
  state        TEXT NOT NULL,
  last_sent_ms INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  last_error   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (alarm_id, route, receiver)
);
)sql"},
      // The move journal: one row per VM being moved between hosts, written
      // before each phase of the move and deleted when it is done, so the
      // next apply or `vm migrate` finishes or rolls back a move that was
      // interrupted (ctl/migrate/).
      {10, "vm_moves", R"sql(
CREATE TABLE vm_moves (
  tenant     TEXT NOT NULL,
  name       TEXT NOT NULL,
  domain     TEXT NOT NULL,
  from_host  TEXT NOT NULL,
  to_host    TEXT NOT NULL,
  mode       TEXT NOT NULL CHECK (mode IN ('live', 'cold')),
  phase      TEXT NOT NULL,
  spec_json  TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, name)
);
)sql"},
      // Operators (ctl/access/): users with roles and a TOTP secret, their
      // failed logins (lockout) and sessions (only a digest of each token).
      {11, "users", R"sql(
CREATE TABLE users (
  name           TEXT PRIMARY KEY,
  os_user        TEXT NOT NULL,
  roles          TEXT NOT NULL,
  tenant_scope   TEXT NOT NULL DEFAULT '',
  totp_secret    TEXT NOT NULL DEFAULT '',
  totp_algorithm TEXT NOT NULL DEFAULT 'SHA1',
  last_totp_step INTEGER NOT NULL DEFAULT 0,
  cert_serial    TEXT NOT NULL DEFAULT '',
  disabled       INTEGER NOT NULL DEFAULT 0,
  created_ms     INTEGER NOT NULL,
  updated_ms     INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_os_user ON users (os_user) WHERE os_user != '';
CREATE TABLE login_failures (
  user  TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (user, at_ms);
CREATE TABLE sessions (
  token_digest TEXT PRIMARY KEY,
  user         TEXT NOT NULL,
  os_uid       INTEGER NOT NULL,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL
);
)sql"},
      // Backup policies (ctl/backup/backup_schedule.h): per policy and VM,
      // the last try and the last backup, so failures retry at a later round.
      {12, "backup_runs", R"sql(
CREATE TABLE backup_runs (
  policy_tenant   TEXT NOT NULL,
  policy          TEXT NOT NULL,
  tenant          TEXT NOT NULL,
  vm              TEXT NOT NULL,
  last_attempt_ms INTEGER NOT NULL,
  last_success_ms INTEGER NOT NULL DEFAULT 0,
  last_backup_id  TEXT NOT NULL DEFAULT '',
  result          TEXT NOT NULL CHECK (result IN ('ok', 'failed')),
  error           TEXT NOT NULL DEFAULT '',
  failures        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (policy_tenant, policy, tenant, vm)
);
)sql"},
      // Requests from service offerings (ctl/requests/): every field bounded,
      // the state one of the machine's.
      {13, "requests", R"sql(
CREATE TABLE requests (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  action           TEXT NOT NULL CHECK (action IN ('create', 'resize', 'delete')),
  offering         TEXT NOT NULL CHECK (length(offering) <= 253),
  tenant           TEXT NOT NULL CHECK (length(tenant) <= 1024),
  vm               TEXT NOT NULL CHECK (length(vm) <= 253),
  system           TEXT NOT NULL DEFAULT '' CHECK (length(system) <= 253),
  size             TEXT NOT NULL DEFAULT '' CHECK (length(size) <= 253),
  image            TEXT NOT NULL DEFAULT '' CHECK (length(image) <= 253),
  state            TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'applied', 'failed',
                                                  'rejected', 'cancelled')),
  requester        TEXT NOT NULL CHECK (length(requester) <= 253),
  decided_by       TEXT NOT NULL DEFAULT '' CHECK (length(decided_by) <= 253),
  comment          TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 1024),
  decision_comment TEXT NOT NULL DEFAULT '' CHECK (length(decision_comment) <= 1024),
  reason           TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 1024),
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL
);
CREATE INDEX requests_by_update ON requests (updated_ms);
)sql"},
      // Tenant grants (ctl/access/console_grants.h): a tenant-admin lets a
      // named operator open one VM's console until a time.
      {14, "console_grants", R"sql(
CREATE TABLE console_grants (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant     TEXT NOT NULL CHECK (length(tenant) <= 1024),
  vm         TEXT NOT NULL CHECK (length(vm) <= 253),
  grantee    TEXT NOT NULL CHECK (length(grantee) <= 64),
  granted_by TEXT NOT NULL CHECK (length(granted_by) <= 64),
  reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 1024),
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX console_grants_by_grantee ON console_grants (grantee, tenant, vm);
)sql"},
      // When each user's TOTP secret was made, for the credential-old alarm
      // (a second factor ages like a certificate); existing ones date from
      // the user's creation.
      {15, "totp_age", R"sql(
ALTER TABLE users ADD COLUMN totp_set_ms INTEGER NOT NULL DEFAULT 0;
UPDATE users SET totp_set_ms = created_ms WHERE totp_secret != '';
)sql"},
  };
  return migrations;
}

int latest_schema_version() {
  return schema_migrations().back().version;
}

}  // namespace xc
