// The xcloud-agent command line (serve, rpc), callable from tests.
#pragma once

namespace xc {

int run_agent(int argc, char** argv);

}  // namespace xc
