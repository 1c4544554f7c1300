// Continuations (SPEC §3): a Machine written out as bytes at a quiescent point, and read back
// into a fresh Machine of the same program, which then goes on exactly as the first would have.
//
// The bytes are a boundary (they outlive the process, and the store may hand back anything), so
// three layers keep the live VM away from them:
//
//   Machine --capture--> ContinuationData --encode_continuation--> bytes
//   bytes --decode_continuation--> ContinuationData --restore_data--> Machine
//
// ContinuationData is plain data with its own enums, not the VM's structures: reordering a VM
// enum or adding a field to Fiber cannot change the format by accident. decode_continuation checks
// the shape of the bytes (types, counts, nesting, the checksum); restore_data checks their
// meaning against the program (every index, program counter, register window and fiber link)
// before anything is installed. docs/vm.md, "Continuations", describes the format.
//
// What the checks cannot re-prove is the type of each register: the interpreter relies on the
// checker for that, and a well-formed continuation with a string where code expects an int would
// still mislead it. The checksum is what keeps damaged bytes away; it detects corruption, not
// tampering by whoever can write the store.
//
// Not in a continuation: effect requests the host has not yet taken (take_effects()) and
// cancellations (take_cancelled()). A host takes them before it snapshots and records them with
// the continuation, as the service does in one transaction. Nor is any secret: a credential value
// holds a session handle, capture never writes its `secret` field, and restore_data refuses a
// credential whose `secret` holds anything.
//
// Every function here may run on several threads at once (for different machines); snapshot()
// and restore() keep their buffers per thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wf::vm {

class Machine;
struct Program;
struct Value;

// The first item of every continuation.
inline constexpr std::string_view kContinuationMagic = "wf-continuation";
// Bumped whenever the encoding or the meaning of any item changes; a decoder refuses others.
inline constexpr uint32_t kContinuationVersion = 1;
// The deepest value a continuation may hold, counting each list, map and record as a level.
// JSON payloads alone may nest kMaxJsonDepth (512) deep and sit inside lists and records; the
// cap bounds the decoder's recursion (and the VM's, which destroys values recursively).
inline constexpr size_t kMaxValueDepth = 1024;
// The deepest call stack of a fiber, the interpreter's own limit (interpreter.cpp, kMaxFrames).
inline constexpr size_t kMaxContinuationFrames = 10'000;

// ---- The serialization types ----------------------------------------------------------------

// A value's kind as the format numbers it (independently of vm::Tag).
enum class ValueKind : uint8_t {
  None = 0, Bool = 1, Int = 2, Float = 3, Duration = 4, Time = 5, Str = 6,
  List = 7, Map = 8, Record = 9, Credential = 10, Approver = 11, Channel = 12, Fiber = 13,
};

// Values are trees stored flat: every node of every value of a continuation is an element of
// ContinuationData::values, and every string's bytes are in ContinuationData::text. A node's
// children are consecutive nodes, so capturing or decoding a continuation fills two arrays
// instead of allocating an object per value (continuations are written at every effect).
using ValueRef = uint32_t;  // an index into ContinuationData::values

struct ValueRange {
  uint32_t first = 0;  // the index of the first node
  uint32_t count = 0;
};

// One node of a value tree. Only the members of its kind are used.
struct ValueData {
  ValueKind kind = ValueKind::None;
  uint32_t shape = 0;   // Record, Credential, Approver, Channel: index into ContinuationData::shapes
  // List: the items. Map: each key (a Str node) followed by its value. Records: the fields.
  ValueRange children;
  int64_t i = 0;        // Bool (0 or 1), Int, Duration and Time (ms), Fiber (its id)
  double f = 0;         // Float
  uint32_t text = 0;    // Str: the offset of its bytes in ContinuationData::text...
  uint32_t text_size = 0;  // ...and their number
};

struct FrameData {
  uint32_t function = 0;
  uint32_t pc = 0;
  uint32_t base = 0;
  uint8_t result = 0;
};

struct StepData {
  uint32_t frame = 0;
  uint32_t enter_pc = 0;
  ValueRef info = 0;
  int64_t deadline = 0;  // written (a fourth item) only when set
};

enum class FiberStateData : uint8_t { Runnable = 0, WaitingEffect = 1, WaitingJoin = 2, Done = 3, Failed = 4 };
enum class DeliveryData : uint8_t { None = 0, Value = 1, Error = 2, JoinDone = 3 };
enum class StatusData : uint8_t { Running = 0, Waiting = 1, Completed = 2, Failed = 3 };

// A `parallel for` in progress (Fiber::pfor_*).
struct PforData {
  ValueRef items = 0;  // a list
  uint32_t next = 0;
  uint32_t limit = 0;
  uint32_t function = 0;
  ValueRange captures;
};

// A fiber; its id is its index in ContinuationData::fibers.
struct FiberData {
  int32_t parent = -1;
  FiberStateData state = FiberStateData::Runnable;
  // R[0] up to the end of the highest register window of any frame; none once finished.
  ValueRange registers;
  std::vector<FrameData> frames;
  std::vector<StepData> steps;
  uint64_t seq = 0;
  uint8_t effect_register = 0;
  DeliveryData delivery = DeliveryData::None;
  bool pending_uncatchable = false;
  bool doomed = false;
  ValueRef pending = 0;
  std::vector<uint32_t> children;
  bool has_pfor = false;
  PforData pfor;
  ValueRef first_error = 0;
  ValueRef result = 0;
  ValueRef error = 0;
};

struct ContinuationData {
  uint32_t version = kContinuationVersion;
  std::array<uint8_t, 32> module_sha256{};  // the identity of the module it belongs to
  StatusData status = StatusData::Running;
  uint64_t next_seq = 1;
  std::vector<std::vector<std::string>> shapes;  // record field names, referred to by index
  std::vector<ValueData> values;                 // the nodes of every value
  std::string text;                              // the bytes of every string
  ValueRange globals;
  std::vector<FiberData> fibers;
  ValueRef result = 0;
  ValueRef error = 0;

  // Appends `n` nodes of kind None; returns where they are.
  ValueRange add_nodes(uint32_t n) {
    const ValueRange r{static_cast<uint32_t>(values.size()), n};
    values.resize(values.size() + n);
    return r;
  }
  // Appends a string's bytes to `text` and makes node `ref` that string.
  void set_text(ValueRef ref, std::string_view s) {
    values[ref].kind = ValueKind::Str;
    values[ref].text = static_cast<uint32_t>(text.size());
    values[ref].text_size = static_cast<uint32_t>(s.size());
    text.append(s);
  }
  std::string_view text_of(const ValueData& v) const { return std::string_view(text).substr(v.text, v.text_size); }

  // Empties everything but keeps the big arrays' capacity, for reuse.
  void clear() {
    std::vector<ValueData> v = std::move(values);
    std::string t = std::move(text);
    *this = ContinuationData();
    v.clear();
    t.clear();
    values = std::move(v);
    text = std::move(t);
  }
};

// ---- Machine ⇄ data ⇄ bytes ---------------------------------------------------------------------

// The state of `m`, which must be quiescent (between calls of its methods).
ContinuationData capture(const Machine& m);
void capture_into(const Machine& m, ContinuationData& out);  // reusing out's capacity
// The bytes of `data`: a msgpack array ending in a checksum of everything before it.
std::vector<uint8_t> encode_continuation(const ContinuationData& data);
// encode_continuation(capture(m)), through buffers each thread keeps for the next call.
std::vector<uint8_t> snapshot(const Machine& m);

// Either decoded data or why the bytes are not a continuation.
class ContinuationDecodeResult {
 public:
  explicit ContinuationDecodeResult(ContinuationData data) : value_(std::move(data)) {}
  explicit ContinuationDecodeResult(std::string error) : value_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<ContinuationData>(value_); }
  // Only when ok().
  const ContinuationData& data() const& { return std::get<ContinuationData>(value_); }
  ContinuationData&& data() && { return std::get<ContinuationData>(std::move(value_)); }
  // Only when !ok(): "not a wf continuation", "corrupt continuation: fibers[1].frames: ...".
  const std::string& error() const { return std::get<std::string>(value_); }

 private:
  std::variant<ContinuationData, std::string> value_;
};

// Whether decoding verifies the checksum. Unchecked exists for the fuzzer and the robustness
// tests, which need corrupt bytes to reach the checks behind it; hosts always check.
enum class Integrity { Checked, Unchecked };

// Any bytes give data or an error, never a crash; memory use stays proportional to the input.
ContinuationDecodeResult decode_continuation(std::span<const uint8_t> bytes,
                                             Integrity integrity = Integrity::Checked);
// The same into `out`, reusing its capacity: empty on success, else the error (and `out` holds
// whatever was read).
std::string decode_continuation_into(std::span<const uint8_t> bytes, ContinuationData& out,
                                     Integrity integrity = Integrity::Checked);

struct RestoreResult {
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

// Loads `data` into `fresh`, a Machine of the program the continuation was taken from that has
// not been started. Everything is validated first: on error `fresh` is left untouched.
RestoreResult restore_data(Machine& fresh, const ContinuationData& data);
// decode_continuation, then restore_data, through a buffer each thread keeps for the next call.
RestoreResult restore(Machine& fresh, std::span<const uint8_t> bytes);

// ---- Values alone ------------------------------------------------------------------------------

// A list of values in the continuation format, without fibers: how a host persists what it keeps
// beside a continuation, such as the arguments of the effects an instance waits for. Checksummed
// and validated like a continuation; tied to the module of `program`.
std::vector<uint8_t> encode_values(const Program& program, const std::vector<Value>& values);
// The values `encode_values` wrote, or false with `error` set.
bool decode_values(const Program& program, std::span<const uint8_t> bytes, std::vector<Value>& out, std::string& error);

// A module's SHA-256 as 32 bytes, from the hex form Program::module_hash holds.
std::array<uint8_t, 32> module_sha256_bytes(std::string_view hex);

}  // namespace wf::vm
