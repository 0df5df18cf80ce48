// Rule families: true positives and hard negatives; rules-file loading.
#include <gtest/gtest.h>

#include "filter_test_util.h"

namespace cordon::test {
namespace {

struct Case {
  const char* text;
  const char* rule;  // expected rule id, or nullptr for "must pass untouched"
};

void check(const Case& c) {
  FilterReport rep;
  std::string out = redact(c.text, {}, &rep);
  if (c.rule) {
    EXPECT_NE(out.find(std::string("[REDACTED:") + c.rule + "]"), std::string::npos) << c.text << "\n=> " << out;
    EXPECT_EQ(rep.counts_by_rule.count(c.rule), 1u) << c.text;
  } else {
    EXPECT_EQ(out, c.text) << "hard negative altered";
  }
}

TEST(FilterRules, ShippedSetLoadsWithEnoughFormats) {
  auto r = rules();
  EXPECT_GE(r->count_kind("secret"), 40u);
  EXPECT_GE(r->count_kind("pii"), 8u);
  EXPECT_FALSE(r->version().empty());
  EXPECT_LE(r->holdback(), 4097u);
  EXPECT_NO_THROW(RuleSet::load_default());
}

TEST(FilterRules, LoadErrorsNameFileRuleAndReason) {
  std::string bad = R"({"format":1,"rules":[
    {"id":"ok-rule","kind":"secret","pattern":"abc[0-9]{4}"},
    {"id":"bad-kind","kind":"weird","pattern":"x{3}"},
    {"id":"bad-regex","kind":"secret","pattern":"(unclosed"},
    {"id":"bad-validator","kind":"pii","pattern":"y{3}","validator":"nope"},
    {"id":"unbounded","kind":"secret","pattern":"tok_[a-z]+"}]})";
  try {
    RuleSet::load_json(bad, "custom.json");
    FAIL() << "expected RuleError";
  } catch (const RuleError& e) {
    ASSERT_EQ(e.problems().size(), 4u) << e.what();
    std::string all = e.what();
    for (const char* s : {"custom.json: rule 'bad-kind'", "rule 'bad-regex'", "rule 'bad-validator'", "rule 'unbounded'"})
      EXPECT_NE(all.find(s), std::string::npos) << s << " in " << all;
  }
}

TEST(FilterRules, LaterFileOverridesAndDisables) {
  std::string base = R"({"format":1,"version":"t1","rules":[{"id":"r1","kind":"secret","pattern":"AAA[0-9]{6}"},
                         {"id":"r2","kind":"secret","pattern":"BBB[0-9]{6}"}]})";
  auto rs = RuleSet::load_json(base);
  EXPECT_EQ(rs->rules().size(), 2u);
  EXPECT_EQ(filter_all(rs, "x AAA123456 y"), "x [REDACTED:r1] y");
}

TEST(FilterRules, CloudKeys) {
  for (const Case& c : std::initializer_list<Case>{
           {"export AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG", "aws-access-key-id"},
           {"aws_secret_access_key = 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", "aws-secret-access-key"},
           {"key: AIzaSyD3k2hF9xLm0Qp7Rt8uVw1Yz4Ab6Cd-EfG", "gcp-api-key"},
           {"client_secret: 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", "gcp-oauth-client-secret"},
           {"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RVVg==;", "azure-storage-account-key"},
           {"AZURE_CLIENT_SECRET=\"kQ18Q~ZpL3mB9vT2xW7yR4nD6hJ0sF1gA5cE8uIo\"", "azure-ad-client-secret"},
           {"AKIAIOSFODNN7EXAMPLE is the documented example key", nullptr},
           {"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", nullptr},
       })
    check(c);
}

TEST(FilterRules, VcsAndCiTokens) {
  for (const Case& c : std::initializer_list<Case>{
           {"token ghp_R8x2Lk9Qw3Zt7Vb1Nm4Hc6Jd0Fs5Ga2Pe8Yu", "github-token"},
           {"github_pat_11ABCDEFG0a1B2c3D4e5F6_g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6a7B8c9D0e1F2g3H4i5J6k7L8", "github-fine-grained-pat"},
           {"GITLAB_TOKEN=glpat-x7Yk2Lm9Qp4Rt1Vb8Nz3", "gitlab-token"},
           {"npm_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3gH5", "npm-token"},
           {"password = pypi-AgEIcHlwaS5vcmcCJGE3ZjNmYjQ1LTk4ZWQtNGY0Yi1hZTZkLTQ3ZmQ5OTE2MjRjNwACKlszLCJmZDk0", "pypi-token"},
           {"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", nullptr},
       })
    check(c);
}

TEST(FilterRules, ChatPaymentAndLlmKeys) {
  for (const Case& c : std::initializer_list<Case>{
           {"SLACK_BOT_TOKEN=xoxb-2837465019-4829371650284-Zq8Xw2Lk9Vb7Nm3Hc5Jd1Fs0", "slack-token"},
           {"https://hooks.slack.com/services/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", "slack-webhook-url"},
           {"bot 5829301746:AAGk3Lm9Qp4Rt1Vb8Nz3Xw7Yk2Hc5Jd0Fs6 ready", "telegram-bot-token"},
           {"stripe.api_key = 'sk_live_51Hx8Lm2Qp9Rt4Vb7Nz1Xw3Yk5Hc8Jd'", "stripe-secret-key"},
           {"OPENAI_API_KEY=sk-proj-Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1T3BlbkFJXy2Wv4Ut6Sr8Qp0On2Ml4Kj6", "openai-api-key"},
           {"x-api-key: sk-ant-api03-Zq8Xw2Lk9Vb7Nm3Hc5Jd1Fs0Ga2Pe8Yu4Ti6Ro9Ew3Qa5Sd7Fg1Hj3Kl5Zx7Cv9Bn1Mq3We5Rt7Yu9Io1Pa3Sd5Fg7Hj9KlAA", "anthropic-api-key"},
           {"HF_TOKEN=hf_Zq8Xw2Lk9Vb7Nm3Hc5Jd1Fs0Ga2Pe8Yu4T", "huggingface-token"},
           {"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", "sendgrid-api-key"},
           {"sk_test_xxxxxxxxxxxxxxxxxxxxxxxx", nullptr},
       })
    check(c);
}

TEST(FilterRules, JwtPemUrlAndHeaders) {
  for (const Case& c : std::initializer_list<Case>{
           {"token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "jwt"},
           {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabc\n-----END RSA PRIVATE KEY-----\n", "private-key-rsa"},
           {"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", "private-key-openssh"},
           {"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----", "private-key-ec"},
           {"-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQ\n-----END DSA PRIVATE KEY-----", "private-key-dsa"},
           {"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----", "private-key-pgp"},
           {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBg\n-----END ENCRYPTED PRIVATE KEY-----", "private-key-encrypted"},
           {"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----", "private-key-pkcs8"},
           {"DATABASE_URL=postgres://app:Tr0ub4dor&3x@db.internal:5432/app", "url-credentials"},
           {"> Authorization: Bearer abcDEF123456ghiJKL789mnoPQR", "authorization-bearer"},
           {"Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "authorization-basic"},
           {"db_password: 'S3cure!Passw0rd#2024'", "password-assignment"},
           {"API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0ZxQw", "secret-assignment"},
           {"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----", nullptr},
           {"password = request.form['password']", nullptr},
           {"password: ${DB_PASSWORD}", nullptr},
           {"api_key: <your-key>", nullptr},
           {"postgres://user:${PGPASS}@localhost/db", nullptr},
           {"Authorization: Bearer ${TOKEN}", nullptr},
       })
    check(c);
}

TEST(FilterRules, PemBodyIsGone) {
  std::string out = redact("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretbody\n-----END RSA PRIVATE KEY-----\nb");
  EXPECT_EQ(out, "a\n[REDACTED:private-key-rsa]\nb");
}

TEST(FilterRules, PersonalData) {
  for (const Case& c : std::initializer_list<Case>{
           {"contact: jane.doe@acme-corp.io", "email"},
           {"Call me at (415) 555-0132 tomorrow", "phone-number"},
           {"mobile: +44 7911 123456", "phone-number"},
           {"card 4111 1111 1111 1111 exp 12/27", "credit-card"},
           {"pan=5500005555555559", "credit-card"},
           {"IBAN: DE89 3704 0044 0532 0130 00", "iban"},
           {"GB82WEST12345698765432", "iban"},
           {"SSN 536-22-8174", "us-ssn"},
           {"NI number JG 10 37 84 B", "uk-nino"},
           {"Steuer-ID: 86095742719", "de-tax-id"},
           {"client 203.0.113.45 connected", "ipv4-address"},
           {"from 2001:db8:85a3::8a2e:370:7334 port 22", "ipv6-address"},
           {"ether 3c:22:fb:91:0a:7e txqueuelen 1000", "mac-address"},
       })
    check(c);
}

TEST(FilterRules, HardNegativesPassUntouched) {
  for (const char* t : {
           "commit 3f9a1c7e2b8d4f6a0c5e9b1d7f3a2c8e4b6d0f1a",
           "id 550e8400-e29b-41d4-a716-446655440000",
           "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "md5 d41d8cd98f00b204e9800998ecf8427e",
           "The quick brown fox jumps over the lazy dog. Passwords must be rotated.",
           "version 1.2.3.4 released 2024-01-15 10:23:45",
           "card 4111 1111 1111 1112 is not valid",
           "SSN 000-12-3456 and 666-12-3456 and 900-12-3456 are invalid",
           "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
           "std::vector<int> v; a::b::c",
           "timestamp 1700000000000 and port 8080 and pid 12345",
           "listening on 0.0.0.0:8080 and 127.0.0.1:9090",
           "user@example.com wrote: see noreply@github.com",
           "image icon@2x.png loaded",
           "password: ********",
           "token: xxxxxxxxxxxxxxxxxxxxxxxx",
           "api_key = os.environ['API_KEY']",
           "git@github.com:owner/repo.git",
           "-rw-r--r-- 1 root root 4096 Jan 15 10:23 README.md",
           "  at com.example.Foo.bar(Foo.java:42)",
           "Total: 1024 2048 4096 8192",
       }) {
    std::string out = redact(t);
    EXPECT_EQ(out, t);
  }
}

}  // namespace
}  // namespace cordon::test
