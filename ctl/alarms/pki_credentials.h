// The cloud's live certificates, read from <state dir>/pki: the CA, the
// controller's client certificate, each enrolled host's agent and libvirt
// migration certificates, and each operator's current client certificate
// (the public copy `user cert` keeps in pki/users/NAME/issued.crt, if its
// serial is the one the users table holds), and each enabled operator's TOTP
// secret (its age only: it does not expire). A file that cannot be read is
// left out (the handshakes that need it fail loudly). Read before an alarm
// evaluation's transaction (it opens the users table on its own connection).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/alarms/credential.h"

namespace xc {

Result<std::vector<Credential>> pki_credentials(const std::string& state_path);

}  // namespace xc
