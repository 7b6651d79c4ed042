#include <iostream>

#include "ctl/cli/cli.h"
#include "ctl/cli/controller_client.h"
#include "ctl/cli/remote_client.h"

int main(int argc, char** argv) {
  // An operator's command goes to the controller when one is named (or the
  // state is the service user's alone); the controller runs it here again.
  if (auto controller = xc::controller_socket_for(argc, argv))
    return xc::is_https_controller(*controller)
               ? xc::run_through_https(*controller, argc, argv, std::cerr)
               : xc::run_through_controller(*controller, argc, argv, std::cerr);
  return xc::run_xcloudctl(argc, argv, std::cout, std::cerr);
}
