#include <iostream>

#include "ctl/cli/cli.h"
#include "ctl/cli/controller_client.h"

int main(int argc, char** argv) {
  // An operator's command goes to the controller when one is named (or the
  // state is the service user's alone); the controller runs it here again.
  if (auto socket = xc::controller_socket_for(argc, argv))
    return xc::run_through_controller(*socket, argc, argv, std::cerr);
  return xc::run_xcloudctl(argc, argv, std::cout, std::cerr);
}
