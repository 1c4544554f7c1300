// The samples are the language's showcase: each must check without a single diagnostic, their
// syntax trees must be well formed, and together they must use every effect, every clause and
// every workflow annotation of SPEC §1.2 and §1.6, so that a regression in any of them shows up
// here as well as in the focused tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ast_walk.h"
#include "driver/compilation.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using test_support::AstVisitor;

std::vector<std::string> sample_names() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples"))
    if (entry.is_regular_file() && entry.path().extension() == ".wf") out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

fs::path sample_path(const std::string& name) { return fs::path(WF_SOURCE_DIR) / "samples" / name; }

std::string describe(const Compilation& c, const Diagnostic& d) {
  const SourceFile& f = c.file(d.where.file);
  const LineCol at = f.position(d.where.range.begin);
  return f.path() + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
         std::string(info(d.code).code) + " " + d.message;
}

// Every range a node holds lies inside the node's own range, and inside the file.
class ContainmentChecker : public AstVisitor {
 public:
  explicit ContainmentChecker(const SourceFile& file) : file_(file) {}
  void range(SourceRange r, SourceRange parent, const char* what) override {
    const size_t size = file_.text().size();
    if (r.begin > r.end || r.end > size) {
      problems.push_back(std::string(what) + " range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                         ") is not within the file");
      return;
    }
    // Declarations and annotations have no parent range (empty {0, 0}); nothing to contain them.
    if (parent.begin == 0 && parent.end == 0) return;
    if (r.begin < parent.begin || r.end > parent.end) {
      const LineCol at = file_.position(r.begin);
      problems.push_back(std::string(what) + " `" + std::string(file_.slice(r)) + "` at " + std::to_string(at.line) +
                         ":" + std::to_string(at.column) + " lies outside its parent `" +
                         std::string(file_.slice(parent)) + "`");
    }
  }
  std::vector<std::string> problems;

 private:
  const SourceFile& file_;
};

class SampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleTest, ChecksWithoutAnyDiagnostic) {
  Compilation c;
  ASSERT_TRUE(c.check_file(sample_path(GetParam()).string())) << c.load_error().value_or("");
  std::string shown;
  for (const Diagnostic& d : c.diagnostics().all()) shown += "  " + describe(c, d) + "\n";
  EXPECT_TRUE(c.diagnostics().all().empty()) << "diagnostics in " << GetParam() << ":\n" << shown;
  EXPECT_FALSE(c.root().decls.empty()) << GetParam() << " declares nothing";
}

TEST_P(SampleTest, EveryRangeLiesInsideItsParent) {
  Compilation c;
  ASSERT_TRUE(c.check_file(sample_path(GetParam()).string()));
  for (uint32_t i = 0; i < c.files().size(); ++i) {
    ContainmentChecker checker(c.file(i));
    test_support::walk(c.module(i), checker);
    for (const std::string& p : checker.problems) ADD_FAILURE() << c.file(i).path() << ": " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleTest, ::testing::ValuesIn(sample_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return name;
                         });

TEST(Samples, ThereAreSamplesToCheck) {
  // A moved samples/ folder would otherwise turn the parameterized tests into zero tests.
  EXPECT_GE(sample_names().size(), 5u);
}

// ---------------------------------------------------------------------------------------------
// Coverage: which constructs the samples use, gathered over the checked trees of all samples.

class FeatureCollector : public AstVisitor {
 public:
  std::set<std::string> seen;

  void decl(const Decl& d) override {
    for (const Annotation& a : d.annotations) seen.insert("@" + a.name.text);
  }

  void stmt(const Stmt& s) override {
    switch (s.kind) {
      case StmtKind::Sleep:
        seen.insert(static_cast<const SleepStmt&>(s).until ? "sleep until" : "sleep duration");
        break;
      case StmtKind::Checkout: {
        const auto& c = static_cast<const CheckoutStmt&>(s);
        seen.insert("checkout");
        if (c.reason) seen.insert("checkout reason");
        if (c.ttl) seen.insert("checkout ttl");
        break;
      }
      case StmtKind::Parallel:
        if (static_cast<const ParallelStmt&>(s).branches.size() >= 2) seen.insert("parallel branches");
        break;
      case StmtKind::ParallelFor:
        seen.insert("parallel for");
        if (static_cast<const ParallelForStmt&>(s).limit) seen.insert("parallel for limit");
        break;
      case StmtKind::Notify:
        seen.insert("notify");
        break;
      case StmtKind::Step: {
        const auto& st = static_cast<const StepStmt&>(s);
        if (st.retry) seen.insert("step retry");
        if (st.timeout) seen.insert("step timeout");
        break;
      }
      case StmtKind::Try: {
        const auto& t = static_cast<const TryStmt&>(s);
        if (t.has_catch) seen.insert("try catch");
        if (t.finally_block) seen.insert("try finally");
        break;
      }
      case StmtKind::Expr:
        if (static_cast<const ExprStmt&>(s).expr && static_cast<const ExprStmt&>(s).expr->kind == ExprKind::Approve)
          seen.insert("approve statement");
        break;
      case StmtKind::Let: {
        const auto& l = static_cast<const LetStmt&>(s);
        if (l.init && l.init->kind == ExprKind::Approve) seen.insert("approve expression");
        break;
      }
      default:
        break;
    }
  }

  void expr(const Expr& e) override {
    switch (e.kind) {
      case ExprKind::Run: {
        const auto& r = static_cast<const RunExpr&>(e);
        seen.insert(r.job == JobKind::Script ? "run script" : r.job == JobKind::Command ? "run command" : "run typed");
        if (r.job == JobKind::Typed) seen.insert("run " + r.kind_name.text);
        if (r.job == JobKind::Command && r.payload) {
          if (r.payload->kind == ExprKind::List) seen.insert("run command argv");
          if (r.payload->kind == ExprKind::String) seen.insert("run command string");
        }
        if (r.on) seen.insert("run on");
        if (r.timeout) seen.insert("run timeout");
        if (r.retry) {
          seen.insert("run retry");
          if (r.retry->every) seen.insert("run retry every");
          if (r.retry->backoff) seen.insert("run retry backoff");
        }
        if (r.as) seen.insert("run as");
        if (!r.priority.empty()) seen.insert("run priority");
        if (r.canary) seen.insert("run canary");
        if (r.allow_failure) seen.insert("run allow_failure");
        break;
      }
      case ExprKind::Approve: {
        const auto& a = static_cast<const ApproveExpr&>(e);
        if (a.by) seen.insert("approve by");
        if (!a.quorum.empty()) seen.insert("approve quorum");
        if (a.timeout) seen.insert("approve timeout");
        break;
      }
      case ExprKind::WaitEvent:
        seen.insert("wait event");
        if (static_cast<const WaitEventExpr&>(e).timeout) seen.insert("wait event timeout");
        break;
      case ExprKind::Call:
        // The checker resolves the call; Workflow means a child workflow is started.
        if (static_cast<const CallExpr&>(e).target == CallTarget::Workflow) seen.insert("child workflow call");
        break;
      default:
        break;
    }
  }
};

TEST(Samples, TogetherCoverEveryEffectClauseAndAnnotation) {
  FeatureCollector features;
  for (const std::string& name : sample_names()) {
    Compilation c;
    ASSERT_TRUE(c.check_file(sample_path(name).string())) << name;
    // Only the root module: imported modules are samples of their own and are walked as such.
    test_support::walk(c.root(), features);
  }
  const char* required[] = {
      "run script", "run command", "run typed", "run command string", "run command argv",
      "run service_control", "run process_control", "run network_diagnostic", "run software_install",
      "run user_control", "run group_control",
      "run on", "run timeout", "run retry", "run retry every", "run retry backoff", "run as", "run priority",
      "run canary", "run allow_failure",
      "approve by", "approve quorum", "approve timeout", "approve statement", "approve expression",
      "sleep duration", "sleep until",
      "checkout", "checkout reason", "checkout ttl",
      "parallel branches", "parallel for", "parallel for limit",
      "notify",
      "wait event", "wait event timeout",
      "child workflow call",
      "step retry", "step timeout",
      "try catch", "try finally",
      "@timeout", "@trigger", "@canary", "@schedule", "@description", "@template",
  };
  for (const char* feature : required)
    EXPECT_TRUE(features.seen.count(feature)) << "no sample uses: " << feature;
}

}  // namespace
}  // namespace wf
