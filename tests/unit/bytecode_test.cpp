// Tests of bytecode/: the module codec's round trip and hashes, one rejected module per verifier
// check, the disassembler's listing, and the decoder against truncated, bit-flipped and hostile
// bytes. The robustness loops run in a forked child so that a crash fails one test, not the run.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bytecode/disassembler.h"
#include "bytecode/module_codec.h"
#include "bytecode/operand_roles.h"
#include "bytecode/verifier.h"

namespace wf::bytecode {
namespace {

using Bytes = std::vector<uint8_t>;

Constant constant(ConstKind kind, int64_t i = 0, double f = 0, std::string s = {}) {
  Constant c;
  c.kind = kind;
  c.i = i;
  c.f = f;
  c.s = std::move(s);
  return c;
}

Function function(std::string name, FunctionKind kind, uint8_t params, uint8_t registers,
                  std::vector<Instr> code) {
  Function f;
  f.name = std::move(name);
  f.kind = kind;
  f.num_params = params;
  f.num_registers = registers;
  f.code = std::move(code);
  return f;
}

// Indices of the sample's tables, named so the code below reads.
enum : uint32_t { kDeploy, kHelper, kDefaultReason, kInit, kBody };
constexpr uint32_t kText = 4, kReason = 5;

// A module with every field populated and every operand kind in use. `deploy` (22 words):
//    0 LOADK R0 K4        1 GETGLOBAL R1 G0     2 ADDIK R1 R1 +1     3 LOADI R2 -5
//    4 CALL R3 R4 2 F1    6 JLTI R1 R2 -> 21    8 NEWREC R6 R7 S0   10 CALLB R9 R0 1 B0
//   12 EFFECT R10 R6 run 14 NEWMAP R9 R2 2    15 PFOR R10 R9 R3 F4 17 JMPIFNOT R0 -> 20
//   18 STEP R0 1         19 JMP -> 21         20 LOG R0            21 RET R3
Module sample_module() {
  Module m;
  m.sources = {{"deploy.wf", sha256_hex("workflow deploy")}, {"common.wf", sha256_hex("fn helper")}};
  m.constants = {constant(ConstKind::None), constant(ConstKind::Bool, 1),
                 constant(ConstKind::Int, -9'223'372'036'854'775'807 - 1), constant(ConstKind::Float, 0, 1.5),
                 constant(ConstKind::String, 0, 0, "text \"quoted\"\n\xc3\xa9"),
                 constant(ConstKind::String, 0, 0, "routine"), constant(ConstKind::Duration, 5'400'000),
                 constant(ConstKind::Int, 42),
                 // Whole-valued floats must stay floats; msgpack-c would pack them as integers.
                 constant(ConstKind::Float, 0, 2.0), constant(ConstKind::Float, 0, -0.0),
                 constant(ConstKind::Float, 0, 1e300)};
  m.shapes = {{"a", "b"}, {}};
  m.builtins = {"len(s: string) -> int"};
  m.globals = {"RETRIES"};
  m.init_function = kInit;

  // One instruction per line, with its extra word after it.
  // clang-format off
  Function deploy = function("deploy", FunctionKind::Workflow, 2, 12,
                             {encode_abx(Op::LOADK, 0, kText),
                              encode_abx(Op::GETGLOBAL, 1, 0),
                              encode_abc(Op::ADDIK, 1, 1, 129),
                              encode_asbx(Op::LOADI, 2, -5),
                              encode_abc(Op::CALL, 3, 4, 2), kHelper,
                              encode_abc(Op::JLTI, 1, 2, 0), 13,
                              encode_abc(Op::NEWREC, 6, 7, 0), 0,
                              encode_abc(Op::CALLB, 9, 0, 1), 0,
                              encode_abc(Op::EFFECT, 10, 6, 0), static_cast<Instr>(EffectKind::Run),
                              encode_abc(Op::NEWMAP, 9, 2, 2),
                              encode_abc(Op::PFOR, 10, 9, 3), kBody,
                              encode_asbx(Op::JMPIFNOT, 0, 2),
                              encode_abc(Op::STEP, 0, 1, 0),
                              encode_asbx(Op::JMP, 0, 1),
                              encode_abc(Op::LOG, 0, 0, 0),
                              encode_abc(Op::RET, 3, 0, 0)});
  // clang-format on
  deploy.lines = {{0, 3}, {4, 4}, {17, 6}};
  deploy.handlers = {{8, 17, 20, 11, false}, {0, 21, 21, 11, true}};
  deploy.locals = {{"x", 0, 0, 22}, {"n", 1, 2, 22}};

  Function helper = function("helper", FunctionKind::Fn, 2, 3,
                             {encode_abc(Op::ADDI, 2, 0, 1), encode_abc(Op::RET, 2, 0, 0)});
  helper.source = 1;
  helper.lines = {{0, 1}};
  Function default_reason = function("default_reason", FunctionKind::Fn, 0, 1,
                                     {encode_abx(Op::LOADK, 0, kReason), encode_abc(Op::RET, 0, 0, 0)});
  Function init = function(
      "<init>", FunctionKind::Init, 0, 1,
      {encode_asbx(Op::LOADI, 0, 3), encode_abx(Op::SETGLOBAL, 0, 0), encode_abc(Op::RETNONE, 0, 0, 0)});
  Function body = function("body", FunctionKind::Branch, 2, 2,
                           {encode_abc(Op::LOG, 0, 0, 0), encode_abc(Op::RETNONE, 0, 0, 0)});
  m.functions = {deploy, helper, default_reason, init, body};

  Workflow w;
  w.name = "deploy";
  w.function = kDeploy;
  w.params = {{"targets", "hosts", -1}, {"reason", "string", kDefaultReason}};
  w.result_type = "int";
  w.annotations = {{"timeout", R"({"duration": 7200000})"},
                   {"canary", R"({"percent": 10, "threshold": 80})"}};
  w.docs = "Deploys the thing.";
  m.workflows = {w};

  Script lib;
  lib.name = "common_sh";
  lib.lang = "bash";
  lib.body = "log() { echo \"$*\"; }";
  lib.is_library = true;
  Script check;
  check.name = "health_check";
  check.lang = "bash";
  check.timeout_ms = 60'000;
  check.elevated = true;
  check.uses = {0};
  check.body = "log ok\n[ \"$WF_PARAM_THRESHOLD\" -lt 90 ]";
  check.params = {{"threshold", "int", -1}};
  check.docs = "Fails when the disk is fuller than `threshold`.";
  m.scripts = {lib, check};
  return m;
}

// ---------------------------------------------------------------------------------------------
// Codec

TEST(Codec, RoundTripKeepsEveryField) {
  const Module m = sample_module();
  const Bytes bytes = encode_module(m);
  const DecodeResult decoded = decode_module(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.module(), m);
  EXPECT_EQ(encode_module(decoded.module()), bytes);
}

TEST(Codec, EmptyModuleRoundTrips) {
  const Module m;
  const DecodeResult decoded = decode_module(encode_module(m));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.module(), m);
}

TEST(Codec, EncodingIsDeterministic) {
  EXPECT_EQ(encode_module(sample_module()), encode_module(sample_module()));
}

TEST(Codec, ModuleHashIsStableHex) {
  const Bytes bytes = encode_module(sample_module());
  const std::string hash = module_hash(bytes);
  ASSERT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(module_hash(encode_module(sample_module())), hash);
  Module other = sample_module();
  other.constants[kReason].s = "urgent";
  EXPECT_NE(module_hash(encode_module(other)), hash);
}

TEST(Codec, Sha256MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

size_t find(const Bytes& haystack, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), haystack.begin() + i,
                   [](char a, uint8_t b) { return static_cast<uint8_t>(a) == b; })) {
      return i;
    }
  }
  ADD_FAILURE() << "not found: " << needle;
  return 0;
}

TEST(Codec, RefusesWhatIsNotAModule) {
  EXPECT_EQ(decode_module({}).error(), "not a wf module");
  const std::string text = "workflow deploy() {}";
  EXPECT_EQ(decode_module(Bytes(text.begin(), text.end())).error(), "not a wf module");
  Bytes bytes = encode_module(sample_module());
  bytes[find(bytes, "wf-module")] = 'x';
  EXPECT_EQ(decode_module(bytes).error(), "not a wf module");
}

// A module written before scripts kept their docs has scripts of 8 items; it still loads, its
// scripts without docs.
TEST(Codec, AScriptOfEightItemsLoadsWithoutDocs) {
  Module m = sample_module();
  m.scripts.resize(1);  // the library alone, which has no docs: its item is the module's last byte
  Bytes bytes = encode_module(m);
  ASSERT_EQ(bytes.back(), 0xa0);  // the empty string of `docs`
  bytes.pop_back();
  const size_t at = find(bytes, "\x99\xa9" "common_sh");
  ASSERT_EQ(bytes[at], 0x99);  // a fixarray of 9 items
  bytes[at] = 0x98;
  const DecodeResult decoded = decode_module(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.module(), m);
  bytes[at] = 0x97;
  EXPECT_FALSE(decode_module(bytes).ok());
}

TEST(Codec, RefusesOtherFormatVersions) {
  Bytes bytes = encode_module(sample_module());
  const size_t at = find(bytes, "version") + 7;  // the positive fixint after the key
  ASSERT_EQ(bytes[at], kFormatVersion);
  bytes[at] = 7;
  EXPECT_EQ(decode_module(bytes).error(),
            "module format version 7 is not supported (this wf reads version 1)");
}

TEST(Codec, ErrorsNameTheField) {
  Bytes bytes = encode_module(sample_module());
  bytes.push_back(0xc0);
  EXPECT_EQ(decode_module(bytes).error(), "corrupt module: unexpected bytes after the module");

  // The first function's kind, a positive fixint after its name, becomes true, then 9.
  bytes = encode_module(sample_module());
  const size_t kind = find(bytes,
                           "\x9a\xa6"  // a function is a 10-tuple; its name is 6 bytes
                           "deploy") +
                      8;  // after the tuple and name headers
  ASSERT_EQ(bytes[kind], static_cast<uint8_t>(FunctionKind::Workflow));
  bytes[kind] = 0xc3;
  EXPECT_EQ(decode_module(bytes).error(), "corrupt module: fns[0].kind: expected an integer from 0 to 3");
  bytes[kind] = 9;
  EXPECT_EQ(decode_module(bytes).error(), "corrupt module: fns[0].kind: expected an integer from 0 to 3");
  bytes[kind] = static_cast<uint8_t>(FunctionKind::Workflow);
  // The register of the first function's second handler, [0, 21, 21, 11, true], becomes 256.
  const size_t reg = find(bytes, std::string_view("\x95\x00\x15\x15\x0b\xc3", 6)) + 4;
  bytes[reg] = 0xcd;  // uint16 0x0100
  const uint8_t wide[] = {0x01, 0x00};
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(reg) + 1, std::begin(wide), std::end(wide));
  EXPECT_EQ(decode_module(bytes).error(),
            "corrupt module: fns[0].handlers[1]: expected an integer from 0 to 255");
}

// ---------------------------------------------------------------------------------------------
// Decoder robustness

// Runs body in a forked child; a crash there fails this test and names the body's last input.
void survives(const std::function<void()>& body) {
  EXPECT_EXIT(
      {
        body();
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// Decodes bytes and, when they decode, verifies and lists the module: none may crash.
void load(std::span<const uint8_t> bytes) {
  const DecodeResult r = decode_module(bytes);
  if (!r.ok()) {
    if (r.error().empty()) {
      std::fprintf(stderr, "empty error message\n");
      std::exit(1);
    }
    return;
  }
  (void)verify_module(r.module());
  (void)disassemble(r.module());
}

TEST(Codec, SurvivesEveryTruncation) {
  survives([] {
    const Bytes bytes = encode_module(sample_module());
    for (size_t n = 0; n < bytes.size(); ++n) {
      const DecodeResult r = decode_module(std::span(bytes.data(), n));
      if (r.ok()) {
        std::fprintf(stderr, "prefix of %zu bytes decoded\n", n);
        std::exit(1);
      }
    }
  });
}

TEST(Codec, SurvivesBitFlips) {
  survives([] {
    const Bytes original = encode_module(sample_module());
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<size_t> byte(0, original.size() - 1);
    std::uniform_int_distribution<int> bit(0, 7), flips(1, 4);
    for (int round = 0; round < 6000; ++round) {
      Bytes bytes = original;
      for (int i = flips(rng); i > 0; --i) bytes[byte(rng)] ^= static_cast<uint8_t>(1u << bit(rng));
      load(bytes);
    }
  });
}

TEST(Codec, SurvivesRandomBytes) {
  survives([] {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> value(0, 255), length(0, 300);
    for (int round = 0; round < 3000; ++round) {
      Bytes bytes(length(rng));
      for (auto& b : bytes) b = static_cast<uint8_t>(value(rng));
      // Half start as a map, so that the decoder gets past its first check.
      if (round % 2 == 0 && !bytes.empty()) bytes[0] = static_cast<uint8_t>(0x80 | (value(rng) & 0x0f));
      load(bytes);
    }
  });
}

// A map whose single key is `magic`, followed by the given header (and nothing it announces).
Bytes magic_then(std::initializer_list<uint8_t> header) {
  Bytes bytes = {0x81, 0xa5, 'm', 'a', 'g', 'i', 'c'};
  for (uint8_t b : header) bytes.push_back(b);
  return bytes;
}

TEST(Codec, RefusesHostileLengthPrefixes) {
  // Each header claims 2^32-1 elements or bytes; none may be believed before its data is seen.
  const std::vector<Bytes> hostile = {
      {0xdd, 0xff, 0xff, 0xff, 0xff},  // array32 at the top
      {0xdf, 0xff, 0xff, 0xff, 0xff},  // map32 at the top
      magic_then({0xdd, 0xff, 0xff, 0xff, 0xff}),
      magic_then({0xdf, 0xff, 0xff, 0xff, 0xff}),
      magic_then({0xdb, 0xff, 0xff, 0xff, 0xff, 'w', 'f'}),  // str32 of 4 GB
      magic_then({0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}),      // bin32 of 4 GB
      magic_then({0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}),      // ext32 of 4 GB
  };
  for (const Bytes& bytes : hostile) {
    const DecodeResult r = decode_module(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error() == "not a wf module" || r.error().starts_with("corrupt module: ")) << r.error();
  }
  EXPECT_EQ(decode_module(magic_then({0xdd, 0xff, 0xff, 0xff, 0xff})).error(),
            "corrupt module: the data ends early (truncated file?)");
}

TEST(Codec, RefusesDeepNesting) {
  Bytes bytes = magic_then({});
  bytes.insert(bytes.end(), 10'000, 0x91);  // an array of one array of one array ...
  bytes.push_back(0xc0);
  EXPECT_EQ(decode_module(bytes).error(), "corrupt module: values are nested too deeply");
}

// ---------------------------------------------------------------------------------------------
// Verifier

TEST(Verifier, AcceptsTheSample) {
  EXPECT_EQ(verify_module(sample_module()), std::nullopt);
  EXPECT_EQ(verify_module(Module{}), std::nullopt);
}

// Applies change to the sample and expects verification to fail with a message containing each of
// the fragments.
void expect_rejected(const std::function<void(Module&)>& change,
                     std::initializer_list<std::string_view> fragments) {
  Module m = sample_module();
  change(m);
  const std::optional<std::string> problem = verify_module(m);
  ASSERT_TRUE(problem.has_value()) << "accepted: expected " << *fragments.begin();
  for (std::string_view fragment : fragments)
    EXPECT_NE(problem->find(fragment), std::string::npos) << *problem;
}

std::vector<Instr>& code(Module& m, uint32_t fn = kDeploy) { return m.functions[fn].code; }

TEST(Verifier, RejectsBadRegister) {
  Module m = sample_module();
  code(m)[0] = encode_abx(Op::LOADK, 40, kText);
  EXPECT_EQ(verify_module(m), "function `deploy` pc 0: register 40 out of range (frame has 12)");
}

TEST(Verifier, RejectsBadOperands) {
  expect_rejected([](Module& m) { code(m)[0] = encode_abx(Op::LOADK, 0, 99); },
                  {"function `deploy` pc 0", "constant 99 out of range"});
  expect_rejected([](Module& m) { code(m)[1] = encode_abx(Op::GETGLOBAL, 1, 1); },
                  {"function `deploy` pc 1", "global 1 out of range"});
  expect_rejected([](Module& m) { code(m)[5] = 99; }, {"function `deploy` pc 4", "function 99 out of range"});
  expect_rejected([](Module& m) { code(m)[9] = 2; }, {"function `deploy` pc 8", "shape 2 out of range"});
  expect_rejected([](Module& m) { code(m)[11] = 1; }, {"function `deploy` pc 10", "builtin 1 out of range"});
  expect_rejected([](Module& m) { code(m)[13] = kEffectKindCount; },
                  {"function `deploy` pc 12", "unknown effect kind 9"});
  expect_rejected([](Module& m) { code(m)[18] = encode_abc(Op::STEP, 0, 2, 0); },
                  {"function `deploy` pc 18", "not 0 or 1"});
  expect_rejected([](Module& m) { code(m)[19] = encode_asbx(Op::JMP, 3, 1); },
                  {"function `deploy` pc 19", "unused operand A"});
  expect_rejected([](Module& m) { code(m)[0] = 0xFF; }, {"function `deploy` pc 0", "unknown opcode 255"});
}

TEST(Verifier, RejectsRegisterRangesOutsideTheFrame) {
  expect_rejected([](Module& m) { code(m)[10] = encode_abc(Op::CALLB, 9, 11, 2); },
                  {"function `deploy` pc 10", "R11..R12 out of range"});
  expect_rejected([](Module& m) { code(m)[14] = encode_abc(Op::NEWMAP, 9, 8, 3); },
                  {"function `deploy` pc 14", "R8..R13 out of range"});
  expect_rejected([](Module& m) { code(m)[8] = encode_abc(Op::NEWREC, 6, 11, 0); },
                  {"function `deploy` pc 8", "record fields R11..R12"});
  expect_rejected([](Module& m) { code(m)[15] = encode_abc(Op::PFOR, 11, 9, 3); },
                  {"function `deploy` pc 15", "captured registers R12..R12"});
}

TEST(Verifier, RejectsBadJumps) {
  // JMP at 19 to 5, the extra word of the CALL at 4.
  expect_rejected([](Module& m) { code(m)[19] = encode_asbx(Op::JMP, 0, 5 - 20); },
                  {"function `deploy` pc 19", "jump target 5 is inside an instruction's extra word"});
  expect_rejected([](Module& m) { code(m)[17] = encode_asbx(Op::JMPIFNOT, 0, 10); },
                  {"function `deploy` pc 17", "jump target 28 is outside the function"});
  expect_rejected([](Module& m) { code(m)[7] = static_cast<Instr>(-9); },
                  {"function `deploy` pc 6", "jump target -1 is outside the function"});
}

TEST(Verifier, RejectsMissingExtraWord) {
  expect_rejected([](Module& m) { code(m, kHelper).push_back(encode_abc(Op::CALL, 0, 0, 2)); },
                  {"function `helper` pc 2", "CALL lacks its extra word"});
}

TEST(Verifier, RejectsWrongArgumentCount) {
  expect_rejected([](Module& m) { code(m)[4] = encode_abc(Op::CALL, 3, 4, 1); },
                  {"function `deploy` pc 4", "passes 1 arguments to `helper`, which takes 2"});
  expect_rejected([](Module& m) { m.functions[kBody].num_params = 0; },
                  {"function `deploy` pc 15", "loop body `body` takes no parameter"});
}

TEST(Verifier, RejectsFallingOffTheEnd) {
  expect_rejected([](Module& m) { code(m, kHelper).back() = encode_abc(Op::LOG, 2, 0, 0); },
                  {"function `helper` pc 1", "can run off its end"});
  expect_rejected([](Module& m) { code(m, kHelper).clear(); }, {"function `helper`", "has no code"});
}

TEST(Verifier, RejectsBadFrames) {
  expect_rejected([](Module& m) { m.functions[kHelper].num_registers = 1; },
                  {"function `helper`", "takes 2 parameters but its frame has only 1"});
  expect_rejected([](Module& m) { m.functions[kHelper].num_registers = kMaxRegisters + 1; },
                  {"function `helper`", "exceeds the limit of 250"});
  expect_rejected([](Module& m) { m.functions[kHelper].source = 2; },
                  {"function `helper`", "source 2 out of range"});
}

TEST(Verifier, RejectsBadHandlers) {
  expect_rejected([](Module& m) { m.functions[kDeploy].handlers[0].target = 5; },
                  {"function `deploy`", "handler 0: target 5 is not an instruction"});
  expect_rejected([](Module& m) { m.functions[kDeploy].handlers[0].end = 23; },
                  {"function `deploy`", "handler 0: range [8, 23) is not within the code"});
  expect_rejected([](Module& m) { m.functions[kDeploy].handlers[0].start = 9; },
                  {"function `deploy`", "handler 0: range [9, 17) splits an instruction"});
  expect_rejected([](Module& m) { m.functions[kDeploy].handlers[1].reg = 12; },
                  {"function `deploy`", "handler 1: register 12 out of range"});
}

TEST(Verifier, RejectsBadLinesAndLocals) {
  expect_rejected([](Module& m) { std::swap(m.functions[kDeploy].lines[0], m.functions[kDeploy].lines[1]); },
                  {"function `deploy`", "line table is not sorted"});
  expect_rejected([](Module& m) { m.functions[kDeploy].lines[1].pc = 5; },
                  {"function `deploy`", "pc 5 is not an instruction"});
  expect_rejected([](Module& m) { m.functions[kDeploy].locals[0].reg = 12; },
                  {"function `deploy`", "local `x`: register 12 out of range"});
  expect_rejected([](Module& m) { m.functions[kDeploy].locals[0].end = 23; },
                  {"function `deploy`", "local `x`: live range [0, 23)"});
}

TEST(Verifier, RejectsGlobalsOutsideInit) {
  expect_rejected([](Module& m) { code(m, kDefaultReason)[0] = encode_abx(Op::SETGLOBAL, 0, 0); },
                  {"function `default_reason` pc 0", "SETGLOBAL outside the module's init function"});
  expect_rejected([](Module& m) { m.init_function = 5; }, {"init function 5 out of range"});
  expect_rejected([](Module& m) { m.init_function = kHelper; },
                  {"function `helper`", "init function takes parameters"});
}

TEST(Verifier, RejectsBadModuleTables) {
  expect_rejected([](Module& m) { m.workflows[0].function = 9; },
                  {"workflow `deploy`", "function 9 out of range"});
  expect_rejected([](Module& m) { m.workflows[0].params.pop_back(); },
                  {"workflow `deploy`", "declares 1 parameters but function `deploy` takes 2"});
  expect_rejected([](Module& m) { m.workflows[0].params[1].default_fn = 7; },
                  {"workflow `deploy`", "parameter `reason`", "function 7 out of range"});
  expect_rejected([](Module& m) { m.workflows[0].params[1].default_fn = kHelper; },
                  {"workflow `deploy`", "default function `helper` takes parameters"});
  expect_rejected([](Module& m) { m.scripts[1].uses = {1}; },
                  {"script `health_check`", "uses `health_check`, which is not a library"});
  expect_rejected([](Module& m) { m.scripts[1].uses = {4}; },
                  {"script `health_check`", "script 4 out of range"});
  expect_rejected([](Module& m) { m.scripts[0].uses = {0}; }, {"script `common_sh`", "cycle"});
  expect_rejected([](Module& m) { m.shapes[0] = {"a", "a"}; }, {"shape 0 names field `a` twice"});
  expect_rejected([](Module& m) { m.constants[1].i = 2; }, {"constant 1", "neither 0 nor 1"});
}

// ---------------------------------------------------------------------------------------------
// Operand roles and the disassembler

TEST(Bytecode, RolesRefineTheTableKinds) {
  for (int i = 0; i < kOpCount; ++i) {
    const Op op = static_cast<Op>(i);
    const OpInfo& info = op_info(op);
    const OpRoles roles = op_roles(op);
    SCOPED_TRACE(std::string(info.name));
    EXPECT_EQ(info.a == Operand::_, roles.a == Role::Unused);
    EXPECT_EQ(info.b == Operand::_, roles.b == Role::Unused);
    EXPECT_EQ(info.c == Operand::_, roles.c == Role::Unused);
    EXPECT_EQ(info.x == Operand::_, roles.x == Role::Unused);
    // A register kind is always a register; a range count only ever refines an `I`.
    if (info.b == Operand::R) EXPECT_EQ(roles.b, Role::Reg);
    if (roles.c == Role::RegCount || roles.c == Role::PairCount) {
      EXPECT_EQ(info.c, Operand::I);
      EXPECT_EQ(info.b, Operand::R);
    }
    if (roles.b == Role::Jump) EXPECT_EQ(info.b, Operand::sBx);
  }
}

TEST(Bytecode, DisassemblesOperandsByKind) {
  const std::string listing = disassemble(sample_module());
  for (std::string_view line : {
           "     0  [3]     LOADK     R0, K4 \"text \\\"quoted\\\"\\n\xc3\xa9\"",
           "     1  [3]     GETGLOBAL R1, G0 RETRIES",
           "     2  [3]     ADDIK     R1, R1, +1",
           "     3  [3]     LOADI     R2, -5",
           "     4  [4]     CALL      R3, R4, 2, F1 `helper`",
           "     6  [4]     JLTI      R1, R2, -> 21",
           "     8  [4]     NEWREC    R6, R7, S0 {a, b}",
           "    10  [4]     CALLB     R9, R0, 1, B0 `len(s: string) -> int`",
           "    12  [4]     EFFECT    R10, R6, run",
           "    15  [4]     PFOR      R10, R9, R3, F4 `body`",
           "    17  [6]     JMPIFNOT  R0, -> 20",
           "    18  [6]     STEP      R0, true",
           "    19  [6]     JMP       -> 21",
           "    21  [6]     RET       R3",
           "function 0 `deploy` (workflow): 2 params, 12 registers, source 0",
           "    [8, 17) -> 20 catch R11",
           "    [0, 21) -> 21 finally R11",
           "    R1 n [2, 22)",
           "  K6 1h30m",
           "  K3 1.5",
           "  K8 2.0",
           "  K9 -0.0",
           "  K10 1e+300",
           "  K2 -9223372036854775808",
           "  deploy(targets: hosts, reason: string = F2 `default_reason`) -> int: F0 `deploy`",
           "  script health_check(threshold: int) lang bash, timeout 1m, elevated, uses common_sh",
           "init: F3 `<init>`",
       }) {
    EXPECT_NE(listing.find(std::string(line) + "\n"), std::string::npos) << line << "\n---\n" << listing;
  }
  EXPECT_EQ(disassemble(sample_module()), listing);
}

TEST(Bytecode, DisassemblesASmallModuleExactly) {
  Module m;
  m.constants = {constant(ConstKind::Float, 0, 2.0), constant(ConstKind::Duration, 500)};
  Function f = function(
      "main", FunctionKind::Fn, 0, 2,
      {encode_abx(Op::LOADK, 0, 0), encode_abx(Op::LOADK, 1, 1), 0xEEu, encode_abc(Op::RET, 0, 0, 0)});
  f.lines = {{1, 7}};
  m.functions = {f};
  EXPECT_EQ(disassemble(m),
            "module (format 1)\n"
            "sources:\n"
            "constants:\n"
            "  K0 2.0\n"
            "  K1 500ms\n"
            "shapes:\n"
            "builtins:\n"
            "globals:\n"
            "init: none\n"
            "workflows:\n"
            "scripts:\n"
            "\n"
            "function 0 `main` (fn): 0 params, 2 registers, source 0\n"
            "     0  [-]     LOADK     R0, K0 2.0\n"
            "     1  [7]     LOADK     R1, K1 500ms\n"
            "     2  [7]     .word     0x000000ee\n"
            "     3  [7]     RET       R0\n");
}

// ---------------------------------------------------------------------------------------------
// Questions asked of a module

TEST(Module, FindWorkflowByName) {
  Module m;
  for (const char* name : {"deploy", "rollback", "deploy_all"}) {
    Workflow w;
    w.name = name;
    m.workflows.push_back(w);
  }
  EXPECT_EQ(find_workflow(m, "deploy"), 0u);
  EXPECT_EQ(find_workflow(m, "rollback"), 1u);
  EXPECT_EQ(find_workflow(m, "deploy_all"), 2u);
  EXPECT_EQ(find_workflow(m, "deplo"), std::nullopt);
  EXPECT_EQ(find_workflow(m, ""), std::nullopt);
  EXPECT_EQ(find_workflow(Module{}, "deploy"), std::nullopt);
}

}  // namespace
}  // namespace wf::bytecode
