// The test binaries' main. ctest runs one test case per process through
// --test-case=NAME (doctest_discover_tests); a name that ctest mangles (a ';'
// splits it) would match nothing and pass without running anything, so a run
// given a --test-case filter that no test case passed fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

unsigned g_selected = 0;  // test cases that passed the filters in the last run

struct SelectedCount final : doctest::IReporter {
  explicit SelectedCount(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override {
    g_selected = s.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

DOCTEST_REGISTER_LISTENER("selected-count", 1, SelectedCount);

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  int failed = context.run();
  if (context.shouldExit()) return failed;
  bool filtered = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    filtered |= arg.rfind("--test-case=", 0) == 0 || arg.rfind("-tc=", 0) == 0;
  }
  if (failed == 0 && filtered && g_selected == 0) {
    std::fprintf(stderr, "doctest_main: no test case matches the filter; none ran\n");
    return 1;
  }
  return failed;
}
