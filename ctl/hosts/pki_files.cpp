#include "ctl/hosts/pki_files.h"

#include "ctl/store/state_path.h"

namespace xc {

PkiFiles pki_files_for_state(const std::string& state_path) {
  return {state_dir(state_path) + "/pki"};
}

}  // namespace xc
