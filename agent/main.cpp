#include "agent/agent_main.h"

int main(int argc, char** argv) {
  return xc::run_agent(argc, argv);
}
