#include "ctl/cli/request_admission.h"

#include <charconv>

#include "ctl/access/operator_request.h"
#include "ctl/cli/vm_target.h"

namespace xc {

std::string request_command_tenant(Store& store, const std::vector<std::string>& argv,
                                   const std::string& words, const std::string& user_scope) {
  if (words == "request create") {
    std::string vm = option_value(argv, "--resize");
    if (vm.empty()) vm = option_value(argv, "--delete");
    if (vm.empty()) return user_scope;
    auto target = find_vm(store, vm, "");
    return target.ok() ? target->record.tenant : "";
  }
  if (words == "request list") return user_scope;
  std::string id_text = first_operand(argv, words);
  int64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size()) return "";
  auto request = store.get_request(id);
  return request.ok() ? request->tenant : "";
}

}  // namespace xc
