// The seed CD-ROM's file beside a domain's disks: written when its content
// changed (atomically, so a running guest keeps the image it booted with),
// and removed with the domain. Thread-safe for distinct domains; callers
// hold the domain's object lock.
#pragma once

#include <string>

#include "common/domain_spec.h"
#include "common/status.h"

namespace xc {

// "<storage_dir>/<domain>.cidata.iso".
std::string seed_path(const std::string& storage_dir, const std::string& domain);

enum class SeedWrite { kUnchanged, kCreated, kUpdated };
const char* seed_write_name(SeedWrite write);

// Builds the seed of `spec` (which has a guest section with a real password
// hash) and writes it unless the file already holds exactly these bytes.
// The file is readable by its owner only: it holds the password hash.
Result<SeedWrite> ensure_seed_file(const std::string& storage_dir, const DomainSpec& spec);

// The password hash in the domain's seed file here, when its redaction
// marker is `marker`: a domain defined again over shared storage (an HA
// restart: the controller keeps only the marker) boots with the credentials
// its seed already carries. kNotFound when no seed here carries them.
Result<std::string> seed_password_hash(const std::string& storage_dir, const std::string& domain,
                                       const std::string& marker);

// Deletes the domain's seed file; with wipe, overwrites it first. Returns
// whether there was one. `domain` must be a libvirt domain name of xcloud's.
Result<bool> delete_seed_file(const std::string& storage_dir, const std::string& domain, bool wipe);

}  // namespace xc
