// A parameter given as text (`--param k=v`, a script's execution) that does not fit its type is
// refused with a reason an operator reads, never the name of the library call that failed.
#include <gtest/gtest.h>

#include <string>

#include "local/params.h"

namespace {

std::string refusal(const std::string& type, const std::string& text) {
  std::string error;
  const auto value = wf::local::convert_param(type, text, error);
  EXPECT_FALSE(value.has_value()) << type << " " << text;
  return error;
}

TEST(ParamText, AValueThatDoesNotFitSaysWhy) {
  EXPECT_EQ(refusal("int", "abc"), R"(expected int but got "abc" (not a whole number))");
  EXPECT_EQ(refusal("int", "1.5"), R"(expected int but got "1.5" (not a whole number))");
  EXPECT_EQ(refusal("int", "99999999999999999999"), R"(expected int but got "99999999999999999999" (out of range))");
  EXPECT_EQ(refusal("int", ""), R"(expected int but got "" (not a whole number))");
  EXPECT_EQ(refusal("float", "x1"), R"(expected float but got "x1" (not a number))");
  EXPECT_EQ(refusal("float", "1e999"), R"(expected float but got "1e999" (out of range))");
  EXPECT_EQ(refusal("bool", "yes"), R"(expected bool but got "yes" (not true or false))");
  // One sign: a `+` is allowed, not a `+` and a `-`.
  EXPECT_EQ(refusal("int", "+-5"), R"(expected int but got "+-5" (not a whole number))");
  EXPECT_EQ(refusal("float", "+-2.5"), R"(expected float but got "+-2.5" (not a number))");
}

TEST(ParamText, ValuesThatFitAreTaken) {
  std::string error;
  auto i = wf::local::convert_param("int", "-42", error);
  ASSERT_TRUE(i) << error;
  EXPECT_EQ(i->i, -42);
  auto f = wf::local::convert_param("float", "2.5", error);
  ASSERT_TRUE(f) << error;
  EXPECT_DOUBLE_EQ(f->f, 2.5);
}

}  // namespace
