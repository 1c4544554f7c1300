// The signatures of inbound webhooks: both header forms verified, every malformed header refused
// with a verdict (never a crash), the 300 s window both ways, rotation across several secrets.
#include "runtime/service/hook_signature.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wf::service::hook_signature {
namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kBody = R"({"service":"web","n":1})";

Check wf(std::string_view header, const std::vector<std::string>& secrets, std::string_view body = kBody) {
  Headers h;
  h.wf_signature = header;
  return verify(h, body, secrets, kNow);
}

TEST(HookSignature, ASignedBodyIsValidAndKeyedByItsSignature) {
  const std::string secret = new_secret();
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  const std::string header = sign(secret, kNow, kBody);
  const Check c = wf(header, {secret});
  EXPECT_EQ(c.verdict, Verdict::Valid) << c.reason;
  EXPECT_EQ(c.replay_key, header.substr(header.find("v1=")));
}

TEST(HookSignature, MatchesWhatOpensslComputesWithTheSecretAsText) {
  // printf '%s' '1800000000.{"service":"web","n":1}' | openssl dgst -sha256 -hmac 'whsec_test'
  EXPECT_EQ(sign("whsec_test", kNow, kBody).substr(0, 16), "t=1800000000,v1=");
  const std::string header = sign("whsec_test", kNow, kBody);
  EXPECT_EQ(header.size(), std::string("t=1800000000,v1=").size() + 64);
}

TEST(HookSignature, AnotherBodyOrSecretIsABadSignature) {
  const std::string header = sign("s1", kNow, kBody);
  EXPECT_EQ(wf(header, {"s2"}).verdict, Verdict::BadSignature);
  EXPECT_EQ(wf(header, {"s1"}, R"({"service":"web","n":2})").verdict, Verdict::BadSignature);
  EXPECT_EQ(wf(header, {}).verdict, Verdict::BadSignature);
}

TEST(HookSignature, AnyOfSeveralSecretsAndSignaturesMatches) {
  const std::string good = sign("new", kNow, kBody);
  const std::string other = sign("unknown", kNow, kBody);
  const std::string both = other + "," + good.substr(good.find("v1="));
  EXPECT_EQ(wf(both, {"old", "new"}).verdict, Verdict::Valid);
  EXPECT_EQ(wf(good, {"old", "new"}).verdict, Verdict::Valid);
}

TEST(HookSignature, TheWindowIs300SecondsEitherWay) {
  EXPECT_EQ(wf(sign("s", kNow - 300, kBody), {"s"}).verdict, Verdict::Valid);
  EXPECT_EQ(wf(sign("s", kNow + 300, kBody), {"s"}).verdict, Verdict::Valid);
  EXPECT_EQ(wf(sign("s", kNow - 301, kBody), {"s"}).verdict, Verdict::Stale);
  EXPECT_EQ(wf(sign("s", kNow + 301, kBody), {"s"}).verdict, Verdict::Stale);
}

TEST(HookSignature, NoHeaderIsUnsigned) {
  EXPECT_EQ(verify(Headers{}, kBody, {"s"}, kNow).verdict, Verdict::Unsigned);
}

TEST(HookSignature, MalformedHeadersOfEveryShapeAreRefused) {
  const std::string hex(64, 'a');
  for (const std::string& h :
       {std::string(","), std::string("t"), std::string("t="), std::string("t=abc,v1=") + hex, std::string("t=-5,v1=") + hex,
        std::string("t=+5,v1=") + hex, std::string("t=1 2,v1=") + hex, std::string("t=1800000000"),
        std::string("v1=") + hex, std::string("t=1800000000,v1=zz"), std::string("t=1800000000,v1=") + hex.substr(2),
        std::string("t=1800000000,v1=") + hex + "00", std::string("t=1800000000,t=1800000000,v1=") + hex,
        std::string("t=99999999999999999999,v1=") + hex, std::string("===="), std::string("t=1800000000,v1=g") + hex.substr(1),
        std::string(5000, ','), std::string("\x01\xff\x00", 3)}) {
    const Check c = wf(h, {"s"});
    EXPECT_EQ(c.verdict, Verdict::Malformed) << h;
    EXPECT_FALSE(c.reason.empty()) << h;
  }
}

TEST(HookSignature, StandardWebhooksHeadersVerifyWithTheDecodedSecret) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string ts = std::to_string(kNow);
  Headers h;
  h.webhook_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  h.webhook_timestamp = ts;
  const std::string sig = sign_standard(secret, h.webhook_id, ts, kBody);
  const std::string several = "v1,Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE= v1a,xyz " + sig;
  h.webhook_signature = several;
  Check c = verify(h, kBody, {secret}, kNow);
  EXPECT_EQ(c.verdict, Verdict::Valid) << c.reason;
  EXPECT_EQ(c.replay_key, "id=msg_p5jXN8AQM9LWM0D4loKWxJek");
  // The key is the decoded bytes, not the text.
  EXPECT_NE(sign_standard(secret, h.webhook_id, ts, kBody), sign_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h.webhook_id, ts, kBody));
  EXPECT_EQ(verify(h, kBody, {"whsec_b3RoZXI="}, kNow).verdict, Verdict::BadSignature);
  EXPECT_EQ(verify(h, kBody, {secret}, kNow + 301).verdict, Verdict::Stale);
  EXPECT_EQ(verify(h, kBody, {secret}, kNow - 301).verdict, Verdict::Stale);
}

TEST(HookSignature, MalformedStandardHeadersAreRefused) {
  const std::string ts = std::to_string(kNow);
  const std::string sig = sign_standard("whsec_dGVzdA==", "id1", ts, kBody);
  struct Case {
    std::string id, ts, sig;
  };
  for (const Case& k : {Case{"", ts, sig}, Case{"id1", "", sig}, Case{"id1", ts, ""}, Case{"id1", "x", sig},
                        Case{"id1", ts, "v1"}, Case{"id1", ts, "v1,!!!"}, Case{"id1", ts, "v1,dGVzdA=="}, Case{"id1", ts, "v2,abc"},
                        Case{std::string(300, 'i'), ts, sig}, Case{"id1", ts, std::string(4000, ' ')}}) {
    Headers h;
    h.webhook_id = k.id;
    h.webhook_timestamp = k.ts;
    h.webhook_signature = k.sig;
    const Check c = verify(h, kBody, {"whsec_dGVzdA=="}, kNow);
    EXPECT_EQ(c.verdict, Verdict::Malformed) << k.id.substr(0, 10) << " " << k.ts << " " << k.sig.substr(0, 10);
  }
}

}  // namespace
}  // namespace wf::service::hook_signature
