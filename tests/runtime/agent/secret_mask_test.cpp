// Masking a job's secrets in its output: the encodings that count as the secret, occurrences
// overlapping or split between reads at every offset, secrets too short to mask, multi-byte
// characters, and the output of the completion report.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "runtime/agent/secret_mask.h"

namespace {

using wf::agent::kSecretMask;
using wf::agent::MaskedStream;
using wf::agent::SecretMask;
using wf::agent::secret_patterns;

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// `text` through a MaskedStream in the given pieces.
std::string streamed(const SecretMask& mask, const std::vector<std::string>& pieces) {
  MaskedStream stream(mask);
  std::string out;
  for (const std::string& p : pieces) out += stream.add(p);
  return out + stream.finish();
}

TEST(SecretPatterns, TheSecretItsBase64AndItsUrlEncodings) {
  const auto p = secret_patterns("p@ss w/rd?");
  EXPECT_TRUE(has(p, "p@ss w/rd?"));
  EXPECT_TRUE(has(p, "cEBzcyB3L3JkPw=="));    // printf %s 'p@ss w/rd?' | base64
  EXPECT_TRUE(has(p, "cEBzcyB3L3JkPw"));      // without padding
  EXPECT_TRUE(has(p, "p%40ss%20w%2Frd%3F"));  // percent-encoded
  EXPECT_TRUE(has(p, "p%40ss%20w%2frd%3f"));  // lower-case hex
  EXPECT_TRUE(has(p, "p%40ss+w%2Frd%3F"));    // form encoding
  // URL-safe base64 of a secret whose standard base64 has a '/' or '+'.
  const auto q = secret_patterns("\xff\xfe\xfd\xfc");
  EXPECT_TRUE(has(q, "//79/A=="));
  EXPECT_TRUE(has(q, "__79_A=="));
}

TEST(SecretPatterns, BashTraceQuotingOfASingleQuote) {
  EXPECT_TRUE(has(secret_patterns("it's-secret"), "it'\\''s-secret"));
}

TEST(SecretPatterns, SecretsShorterThanFourBytesAreNotMasked) {
  EXPECT_TRUE(secret_patterns("").empty());
  EXPECT_TRUE(secret_patterns("abc").empty());
  EXPECT_FALSE(secret_patterns("abcd").empty());
  SecretMask mask({"ab", "xyz"});
  EXPECT_TRUE(mask.empty());
  EXPECT_EQ(mask.apply("abc xyz ab"), "abc xyz ab");
  EXPECT_EQ(streamed(mask, {"ab", "c x", "yz"}), "abc xyz");
}

TEST(SecretMask, MasksEveryOccurrenceAndEncoding) {
  SecretMask mask({"hunter2!"});
  EXPECT_EQ(mask.apply("pw=hunter2! again hunter2!"), "pw=*** again ***");
  EXPECT_EQ(mask.apply("b64 aHVudGVyMiE=\n"), "b64 ***\n");
  EXPECT_EQ(mask.apply("url hunter2%21&x=1"), "url ***&x=1");
  EXPECT_EQ(mask.apply("nothing here"), "nothing here");
}

// Whatever bytes come before and after it, the base64 of a text holding the secret shows none
// of the characters that only the secret decides.
TEST(SecretMask, Base64OfASecretInsideLongerTextAtEachOffset) {
  const std::string secret = "Tr0ub4dor&3";
  SecretMask mask({secret});
  for (const std::string before : {"", "a", "ab", "abc"}) {
    for (const std::string after : {"", "\n", "xy"}) {
      std::string bytes = before + secret + after;
      static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string b64;
      unsigned bits = 0;
      int count = 0;
      for (unsigned char c : bytes) {
        bits = (bits << 8) | c;
        count += 8;
        while (count >= 6) {
          count -= 6;
          b64 += alphabet[(bits >> count) & 0x3F];
        }
      }
      if (count > 0) b64 += alphabet[(bits << (6 - count)) & 0x3F];
      const std::string masked = mask.apply(b64);
      EXPECT_NE(masked.find(kSecretMask), std::string::npos) << before << "|" << after << " " << b64;
      // What remains are the characters of the neighbouring bytes and at most one on each side
      // that mixes their bits with the secret's.
      const size_t left = (before.size() * 8 + 5) / 6 + 1, right = (after.size() * 8 + 5) / 6 + 1;
      EXPECT_LE(masked.size(), kSecretMask.size() + left + right) << b64 << " -> " << masked;
    }
  }
}

TEST(SecretMask, OverlappingAndAdjacentOccurrencesBecomeOneMask) {
  SecretMask mask({"abcdef", "defghi"});
  EXPECT_EQ(mask.apply("xxabcdefghiyy"), "xx***yy");
  EXPECT_EQ(mask.apply("abcdefdefghi"), "***");
  SecretMask repeated({"aaaa"});
  EXPECT_EQ(repeated.apply("aaaaaaaaaa b"), "*** b");
  EXPECT_EQ(repeated.apply("aaa b"), "aaa b");
}

TEST(SecretMask, ASecretThatIsPartOfAnotherIsMaskedWithIt) {
  SecretMask mask({"pass", "password1"});
  EXPECT_EQ(mask.apply("a password1 and a pass"), "a *** and a ***");
}

// The heart of streaming: cut the output into two reads at every offset, and into one read per
// byte; what leaves is what masking the whole would give, and no secret byte run leaks.
TEST(MaskedStream, ASecretSplitBetweenReadsAtEveryOffsetIsMasked) {
  const std::vector<std::string> secrets = {"s3cr3t-Pa55", "other secret"};
  SecretMask mask(secrets);
  const std::string text =
      "start s3cr3t-Pa55 middle czNjcjN0LVBhNTU= then s3cr3t-Pa55s3cr3t-Pa55 url other%20secret "
      "form other+secret end s3cr3t-Pa5";
  const std::string whole = mask.apply(text);
  EXPECT_EQ(whole, "start *** middle *** then *** url *** form *** end s3cr3t-Pa5");
  for (size_t cut = 0; cut <= text.size(); ++cut)
    EXPECT_EQ(streamed(mask, {text.substr(0, cut), text.substr(cut)}), whole) << "cut at " << cut;
  for (size_t a = 0; a <= text.size(); a += 7)
    for (size_t b = a; b <= text.size(); ++b)
      EXPECT_EQ(streamed(mask, {text.substr(0, a), text.substr(a, b - a), text.substr(b)}), whole) << a << "," << b;
  std::vector<std::string> bytes;
  for (const char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(streamed(mask, bytes), whole);
}

TEST(MaskedStream, OverlappingSecretsSplitAtEveryOffset) {
  SecretMask mask({"abcdef", "defghijklmnop"});
  const std::string text = "xxabcdefghijklmnopyy abcdefabcdef";
  const std::string whole = mask.apply(text);
  EXPECT_EQ(whole, "xx***yy ***");
  for (size_t cut = 0; cut <= text.size(); ++cut)
    EXPECT_EQ(streamed(mask, {text.substr(0, cut), text.substr(cut)}), whole) << "cut at " << cut;
  std::vector<std::string> bytes;
  for (const char c : text) bytes.emplace_back(1, c);
  EXPECT_EQ(streamed(mask, bytes), whole);
}

// Random texts over a small alphabet, so that occurrences overlap, touch and are cut often, in
// random pieces: the stream gives what marking every byte of every occurrence and writing one
// mask per marked run gives.
TEST(MaskedStream, RandomPiecesAgreeWithMarkingEveryOccurrence) {
  const std::vector<std::string> secrets = {"abca", "bcabcab", "aaaa", "cbd\xc3\xa9"};
  SecretMask mask(secrets);
  std::mt19937 random(20261207);
  const std::string alphabet = "abcd\xc3\xa9";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t length = random() % 60;
    for (size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    std::vector<bool> marked(text.size(), false);
    for (const std::string& p : mask.patterns())
      for (size_t at = text.find(p); at != std::string::npos; at = text.find(p, at + 1))
        std::fill(marked.begin() + static_cast<long>(at), marked.begin() + static_cast<long>(at + p.size()), true);
    std::string expected;
    for (size_t i = 0; i < text.size(); ++i) {
      if (!marked[i]) expected += text[i];
      else if (i == 0 || !marked[i - 1]) expected += kSecretMask;
    }
    std::vector<std::string> pieces;
    for (size_t at = 0; at < text.size();) {
      const size_t n = std::min(text.size() - at, static_cast<size_t>(random() % 9));
      pieces.push_back(text.substr(at, n));
      at += n;
    }
    ASSERT_EQ(streamed(mask, pieces), expected) << text;
  }
}

TEST(MaskedStream, HoldsBackLessThanTheLongestPattern) {
  SecretMask mask({"0123456789"});
  MaskedStream stream(mask);
  const size_t hold = mask.longest() - 1;
  std::string out = stream.add(std::string(100, 'x'));
  EXPECT_EQ(out.size(), 100 - hold);
  out += stream.add("y");
  EXPECT_EQ(out.size(), 101 - hold);
  out += stream.finish();
  EXPECT_EQ(out, std::string(100, 'x') + "y");
}

TEST(MaskedStream, MultiByteCharactersAroundAndInsideASecretStayWhole) {
  const std::string secret = "p\xC3\xA4sswörd✓";  // "pässwörd✓"
  SecretMask mask({secret});
  const std::string text = "héllo " + secret + " wörld ✓✓";
  EXPECT_EQ(mask.apply(text), "héllo *** wörld ✓✓");
  for (size_t cut = 0; cut <= text.size(); ++cut)
    EXPECT_EQ(streamed(mask, {text.substr(0, cut), text.substr(cut)}), "héllo *** wörld ✓✓") << cut;
}

TEST(MaskedStream, WithoutSecretsEverythingPassesAtOnce) {
  SecretMask mask({});
  MaskedStream stream(mask);
  EXPECT_EQ(stream.add("abc"), "abc");
  EXPECT_EQ(stream.finish(), "");
}

TEST(SecretMask, TheCompletionReportsOutputIsMasked) {
  SecretMask mask({"hunter2!"});
  wf::jobs::JobReport report;
  report.stdout_text = "pw hunter2!\n";
  report.stderr_text = "+ echo aHVudGVyMiE=\n";
  report.error = "bad hunter2%21";
  wf::agent::mask_report(report, mask);
  EXPECT_EQ(report.stdout_text, "pw ***\n");
  EXPECT_EQ(report.stderr_text, "+ echo ***\n");
  EXPECT_EQ(report.error, "bad ***");
}

}  // namespace
