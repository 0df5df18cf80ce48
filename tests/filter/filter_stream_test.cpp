// Streaming behaviour: chunk splits, terminal sanitising, UTF-8, exact
// values, fingerprints, classification, bounded memory.
#include <gtest/gtest.h>

#include <random>

#include "filter_test_util.h"

namespace cordon::test {
namespace {

const std::string kDoc =
    "line one\nexport AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n"
    "token ghp_R8x2Lk9Qw3Zt7Vb1Nm4Hc6Jd0Fs5Ga2Pe8Yu and mail jane.doe@acme-corp.io\n"
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5\n"
    "-----END OPENSSH PRIVATE KEY-----\nAuthorization: Bearer abcDEF123456ghiJKL789mnoPQRstuVWX\nend\n";

TEST(FilterStream, SameResultForEveryChunkSize) {
  std::string whole = redact(kDoc);
  EXPECT_EQ(whole.find("AKIAZ3MSJV4"), std::string::npos);
  EXPECT_EQ(whole.find("b3BlbnNz"), std::string::npos);
  EXPECT_EQ(whole.find("abcDEF123"), std::string::npos);
  for (std::size_t n : {1, 2, 3, 5, 7, 16, 31, 64, 100, 1000}) EXPECT_EQ(redact_chunked(kDoc, n), whole) << "chunk " << n;
}

TEST(FilterStream, SecretSplitAcrossTwoFeeds) {
  StreamFilter f(rules(), {});
  std::string out = f.feed("key=AKIAZ3MSJV");
  out += f.feed("4WWNKWW5FG done");
  out += f.finish();
  EXPECT_EQ(out, "key=[REDACTED:aws-access-key-id] done");
}

TEST(FilterStream, ColourCodesInsideASecret) {
  std::string in = "\x1b[31mAKIA\x1b[0mZ3MSJV\x1b[1;32m4WWNKWW5FG\x1b[0m ok\x1b]0;title\x07!";
  FilterReport rep;
  std::string out = redact_chunked(in, 3, {}, &rep);
  EXPECT_EQ(out, "[REDACTED:aws-access-key-id] ok!");
  EXPECT_GE(rep.controls_removed, 5u);
}

TEST(FilterStream, ControlCharactersStrippedOrEscaped) {
  static const char kIn[] = "a\x07" "b\x00" "c\r\n\x7f" "d\xc2\x9b" "31me\x1bP1;2|x\x1b\\f\xe2\x80\xaeg";
  std::string in(kIn, sizeof kIn - 1);
  EXPECT_EQ(redact(in), "abc\r\ndefg");
  FilterOptions o;
  o.keep_cr = false;
  EXPECT_EQ(redact("a\rb\n", o), "ab\n");
  o = {};
  o.controls = ControlMode::escape;
  EXPECT_EQ(redact("a\x07z\x1b[31m", o), "a\\x07z\\x1b[31m");
}

TEST(FilterStream, InvalidUtf8IsReplaced) {
  FilterReport rep;
  std::string in = "ok \xff \xc3\x28 \xed\xa0\x80 caf\xc3\xa9 \xe2\x82";
  std::string out = redact_chunked(in, 1, {}, &rep);
  EXPECT_EQ(out, "ok \xEF\xBF\xBD \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD caf\xc3\xa9 \xEF\xBF\xBD");
  EXPECT_GE(rep.invalid_utf8, 5u);
  EXPECT_EQ(utf8_ok(out), true);
}

TEST(FilterStream, ExactValuesInEveryEncoding) {
  const std::string secret = "s3cr3t-Value/with+chars";
  auto run = [&](const std::string& text, std::size_t chunk) {
    StreamFilter f(rules(), {});
    f.add_exact_value("db", secret);
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += chunk) out += f.feed(std::string_view(text).substr(i, chunk));
    out += f.finish();
    return std::make_pair(out, f.report());
  };
  auto b64 = [](const std::string& s) {
    static const char* A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    for (std::size_t i = 0; i < s.size(); i += 3) {
      uint32_t v = static_cast<unsigned char>(s[i]) << 16;
      if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
      if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
      o += A[(v >> 18) & 63];
      o += A[(v >> 12) & 63];
      o += i + 1 < s.size() ? A[(v >> 6) & 63] : '=';
      o += i + 2 < s.size() ? A[v & 63] : '=';
    }
    return o;
  };
  std::string hex, HEX;
  for (unsigned char ch : secret) {
    char b[3];
    snprintf(b, sizeof b, "%02x", ch);
    hex += b;
    snprintf(b, sizeof b, "%02X", ch);
    HEX += b;
  }
  std::vector<std::string> forms = {secret, b64(secret), b64("x" + secret), b64("xy" + secret), b64("user:" + secret),
                                    hex, HEX, "s3cr3t-Value%2Fwith%2Bchars", "s3cr3t-Value%2fwith%2bchars"};
  for (const auto& form : forms)
    for (std::size_t chunk : {1u, 7u, 4096u}) {
      auto [out, rep] = run("before " + form + " after\n", chunk);
      EXPECT_EQ(out.find(form), std::string::npos) << form;
      EXPECT_NE(out.find("[REDACTED:exact:db]"), std::string::npos) << form << " => " << out;
      EXPECT_EQ(rep.data_class, DataClass::restricted);
      EXPECT_EQ(out.find(secret.substr(2, 10)), std::string::npos);
    }
  StreamFilter f(rules(), {});
  f.feed("x");
  EXPECT_THROW(f.add_exact_value("late", "abcdefgh"), std::logic_error);
  StreamFilter g(rules(), {});
  EXPECT_THROW(g.add_exact_value("short", "ab"), std::invalid_argument);
}

TEST(FilterStream, FingerprintsStableWithinACallOnly) {
  FilterOptions o;
  o.fingerprint = true;
  std::string t = "a AKIAZ3MSJV4WWNKWW5FG b AKIAZ3MSJV4WWNKWW5FG c AKIAQ7XKJV4WWNKWW5FH\n";
  std::string out1 = redact(t, o), out2 = redact(t, o);
  std::size_t p = out1.find("[REDACTED:aws-access-key-id:");
  ASSERT_NE(p, std::string::npos);
  std::string tag1 = out1.substr(p, 37);
  EXPECT_EQ(tag1.back(), ']');
  std::size_t q = out1.find(tag1, p + 1);
  EXPECT_NE(q, std::string::npos) << "same value, same tag";
  std::size_t r = out1.find("[REDACTED:aws-access-key-id:", q + 1);
  ASSERT_NE(r, std::string::npos);
  EXPECT_NE(out1.substr(r, 37), tag1) << "different value, different tag";
  EXPECT_NE(out1, out2) << "per-call key";
}

TEST(FilterStream, ClassificationMapping) {
  auto cls = [](std::string_view t) {
    FilterReport r;
    redact(t, {}, &r);
    return r.data_class;
  };
  EXPECT_EQ(cls("nothing here"), DataClass::public_);
  EXPECT_EQ(cls("host 203.0.113.45 up"), DataClass::internal);
  EXPECT_EQ(cls("mail jane.doe@acme-corp.io"), DataClass::confidential);
  EXPECT_EQ(cls("mail jane.doe@acme-corp.io ip 203.0.113.45"), DataClass::confidential);
  EXPECT_EQ(cls("card 4111 1111 1111 1111"), DataClass::restricted);
  EXPECT_EQ(cls("AKIAZ3MSJV4WWNKWW5FG"), DataClass::restricted);
  EXPECT_LT(DataClass::public_, DataClass::internal);
  EXPECT_LT(DataClass::confidential, DataClass::restricted);
  FilterReport r;
  redact("AKIAZ3MSJV4WWNKWW5FG and AKIAQ7XKJV4WWNKWW5FH", {}, &r);
  auto j = to_json(r);
  EXPECT_EQ(j["data_class"], "restricted");
  EXPECT_EQ(j["counts_by_rule"]["aws-access-key-id"], 2);
  EXPECT_EQ(j.dump().find("AKIA"), std::string::npos) << "report never carries values";
}

TEST(FilterStream, DetectOnlyModeKeepsText) {
  FilterOptions o;
  o.redact = false;
  FilterReport r;
  EXPECT_EQ(redact("k AKIAZ3MSJV4WWNKWW5FG\n", o, &r), "k AKIAZ3MSJV4WWNKWW5FG\n");
  EXPECT_EQ(r.counts_by_rule["aws-access-key-id"], 1u);
}

TEST(FilterStream, UnterminatedPemStopsAfterCap) {
  std::string t = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n" + std::string(70 * 1024, 'a') + "\ntail text\n";
  std::string out = redact_chunked(t, 4096);
  EXPECT_EQ(out.rfind("[REDACTED:private-key-rsa]", 0), 0u);
  EXPECT_NE(out.find("tail text"), std::string::npos);
  EXPECT_LT(out.size(), 8 * 1024u);
}

TEST(FilterStream, MemoryStaysBoundedOver200MiB) {
  std::string block;
  std::mt19937 rng(7);
  const char* lines[] = {"2024-01-15 10:23:45 INFO request served in 12ms path=/api/v1/items\n",
                         "drwxr-xr-x  2 root root 4096 Jan 15 10:23 src\n",
                         "{\"id\": 42, \"name\": \"widget\", \"email\": \"ops.team@acme-corp.io\"}\n",
                         "export AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n",
                         "commit 3f9a1c7e2b8d4f6a0c5e9b1d7f3a2c8e4b6d0f1a\n"};
  while (block.size() < (1 << 20)) block += lines[rng() % 5];
  StreamFilter f(rules(), {});
  std::size_t peak = 0, out_bytes = 0;
  const std::size_t total = 200u << 20, chunk = 4096;
  for (std::size_t done = 0; done < total; done += chunk) {
    std::size_t off = done % (block.size() - chunk);
    out_bytes += f.feed(std::string_view(block).substr(off, chunk)).size();
    peak = std::max(peak, f.buffered_bytes());
  }
  out_bytes += f.finish().size();
  std::printf("[ bounded ] peak internal buffer %zu bytes over %zu MiB\n", peak, total >> 20);
  EXPECT_LT(peak, 512u * 1024);
  EXPECT_GT(out_bytes, total / 2);
  EXPECT_GT(f.report().counts_by_rule["aws-access-key-id"], 1000u);
}

}  // namespace
}  // namespace cordon::test
