// xcloudctl audit verify, checkpoint and keygen: the commands that check the
// chain and sign its head with an SM2 key kept outside the database.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "common/pki.h"
#include "common/printable.h"
#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/audit/audit_checkpoint.h"
#include "ctl/audit/audit_verify.h"
#include "ctl/cli/audit_cli.h"

namespace xc::audit_cli {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Prints the verdict; true when the chain is intact.
bool report(CliContext& ctx, const AuditVerification& v) {
  if (v.ok) {
    ctx.out << "ok: " << v.records << " records, " << v.checkpoints << " checkpoints\n";
    return true;
  }
  ctx.out << "tampered: first bad record seq " << v.first_bad_seq << ": " << v.why << "\n";
  ctx.exit_code = kExitFailure;
  return false;
}

// Checkpoints whose signatures verify, or nullopt after reporting: a bad
// signature is tampering ("tampered: checkpoint FILE:LINE: ..."), exit 1.
std::optional<std::vector<Checkpoint>> load(CliContext& ctx, const std::string& path,
                                            const std::string& public_pem) {
  Result<std::vector<Checkpoint>> read = read_checkpoints(path, public_pem);
  if (read.ok()) return *read;
  if (read.status().code() == Code::kPermissionDenied) {
    ctx.out << "tampered: " << printable(read.status().message()) << "\n";
    ctx.exit_code = kExitFailure;
  } else {
    fail(ctx, read.status());
  }
  return std::nullopt;
}

void add_verify(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string checkpoints, pubkey;
  };
  auto o = std::make_shared<Options>();
  auto* cmd =
      audit.add_subcommand("verify", "Recompute the audit chain and check signed checkpoints");
  cmd->add_option("--checkpoints", o->checkpoints,
                  "Checkpoint file (default with --pubkey: <state dir>/audit-checkpoints.jsonl)");
  cmd->add_option("--pubkey", o->pubkey, "SM2 public key (PEM) that signed the checkpoints");
  cmd->footer(
      "Examples:\n  xcloudctl audit verify\n"
      "  xcloudctl audit verify --checkpoints /mnt/offsite/audit-checkpoints.jsonl --pubkey "
      "audit-sm2.pem.pub\n\n"
      "Prints 'ok: N records, M checkpoints' and exits 0, or 'tampered: first bad record seq N: "
      "why'\n"
      "and exits 1.");
  cmd->callback([&ctx, o] {
    if (!o->checkpoints.empty() && o->pubkey.empty()) {
      return fail(ctx,
                  error(Code::kInvalidArgument,
                        "audit verify: --checkpoints needs --pubkey to check their signatures"),
                  kExitUsage);
    }
    if (!self_test_passes(ctx)) return;
    std::vector<Checkpoint> checkpoints;
    if (!o->pubkey.empty()) {
      Result<std::string> pem = read_text_file(o->pubkey, "public key");
      if (!pem.ok()) return fail(ctx, pem.status());
      std::string path = o->checkpoints;
      if (path.empty()) {
        Result<std::string> fallback = default_checkpoint_path(ctx);
        if (!fallback.ok()) return fail(ctx, fallback.status(), kExitUsage);
        path = *fallback;
      }
      auto loaded = load(ctx, path, *pem);
      if (!loaded) return;
      checkpoints = std::move(*loaded);
    }
    auto store = open_state_store(ctx);
    if (!store) return;
    Result<AuditVerification> v = verify_audit_chain(*store, std::move(checkpoints));
    if (!v.ok()) return fail(ctx, v.status());
    report(ctx, *v);
  });
}

void add_checkpoint(CLI::App& audit, CliContext& ctx) {
  struct Options {
    std::string key, checkpoints;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = audit.add_subcommand(
      "checkpoint", "Sign the audit chain's head and append it to a checkpoint file");
  cmd->add_option("--key", o->key, "SM2 private key (PEM), kept off this machine's state directory")
      ->required();
  cmd->add_option("--checkpoints", o->checkpoints,
                  "Checkpoint file to append to (default: <state dir>/audit-checkpoints.jsonl)");
  cmd->footer(
      "Example:\n  xcloudctl audit checkpoint --key /media/token/audit-sm2.pem "
      "--checkpoints /mnt/offsite/audit-checkpoints.jsonl\n\n"
      "The chain and the file's earlier checkpoints are verified first: a tampered chain is never\n"
      "signed. Ship the checkpoint file off the machine.");
  cmd->callback([&ctx, o] {
    if (!self_test_passes(ctx)) return;
    std::string path = o->checkpoints;
    if (path.empty()) {
      Result<std::string> fallback = default_checkpoint_path(ctx);
      if (!fallback.ok()) return fail(ctx, fallback.status(), kExitUsage);
      path = *fallback;
    }
    Result<std::string> key = read_text_file(o->key, "private key");
    if (!key.ok()) return fail(ctx, key.status());
    Result<std::string> public_pem = sm2_public_key_pem(*key);
    if (!public_pem.ok()) {
      return fail(ctx, error(public_pem.status().code(),
                             "private key " + o->key + ": " + public_pem.status().message()));
    }
    std::vector<Checkpoint> earlier;
    if (exists(path)) {
      auto loaded = load(ctx, path, *public_pem);
      if (!loaded) return;
      earlier = std::move(*loaded);
    }
    auto store = open_state_store(ctx);
    if (!store) return;
    Result<AuditVerification> v = verify_audit_chain(*store, std::move(earlier));
    if (!v.ok()) return fail(ctx, v.status());
    if (!v->ok) {
      report(ctx, *v);
      ctx.err << "xcloudctl: not signing a tampered chain\n";
      return;
    }
    Checkpoint c{v->head.seq, v->head.digest, system_now_ms(), ""};
    Result<std::string> line = checkpoint_line(c, *key);
    if (!line.ok()) return fail(ctx, line.status());
    if (Status st = append_checkpoint_line(path, *line); !st.ok()) return fail(ctx, st);
    ctx.out << "checkpoint: seq " << c.seq << ", digest " << to_hex(c.digest) << ", appended to "
            << path << "\n";
  });
}

void add_keygen(CLI::App& audit, CliContext& ctx) {
  auto out = std::make_shared<std::string>();
  auto* cmd = audit.add_subcommand("keygen", "Create an SM2 key pair for signing checkpoints");
  cmd->add_option("--out", *out, "Private key file (mode 0600); the public key goes to FILE.pub")
      ->required();
  cmd->footer(
      "Example:\n  xcloudctl audit keygen --out /media/token/audit-sm2.pem\n\n"
      "Keep the private key away from the state database: whoever holds both can rewrite history.");
  cmd->callback([&ctx, out] {
    if (!self_test_passes(ctx)) return;
    std::string pub = *out + ".pub";
    for (const std::string& path : {*out, pub}) {
      if (exists(path)) {
        return fail(ctx,
                    error(Code::kAlreadyExists, path + " already exists; not replacing a key"));
      }
    }
    Result<Sm2KeyPair> key = sm2_generate_key();
    if (!key.ok()) return fail(ctx, key.status());
    if (Status st = write_pem_file(*out, key->private_pem, kPrivateKeyFileMode); !st.ok()) {
      return fail(ctx, st);
    }
    if (Status st = write_pem_file(pub, key->public_pem, kCertificateFileMode); !st.ok()) {
      return fail(ctx, st);
    }
    ctx.out << "SM2 key pair: private " << *out << ", public " << pub << "\n";
  });
}

}  // namespace

void add_chain_commands(CLI::App& audit, CliContext& ctx) {
  add_verify(audit, ctx);
  add_checkpoint(audit, ctx);
  add_keygen(audit, ctx);
}

}  // namespace xc::audit_cli
